import assert from 'node:assert/strict';
import { readBodyChunks } from '../../../../src/core/api/streamChunks';

/** A body of the given chunks that fails after them when `failWith` is set, recording a cancel. */
function body(chunks: string[], failWith?: Error): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let index = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(new TextEncoder().encode(chunks[index++]));
      else if (failWith) controller.error(failWith);
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

const text = (chunks: Uint8Array[]) => chunks.map((chunk) => new TextDecoder().decode(chunk)).join('');

describe('readBodyChunks', () => {
  it('yields every chunk in order and releases the body unlocked and not cancelled', async () => {
    const { stream, cancelled } = body(['ab', 'cd', 'e']);
    const seen: Uint8Array[] = [];
    for await (const chunk of readBodyChunks(stream, () => new Error('unused'))) seen.push(chunk);
    assert.equal(text(seen), 'abcde');
    assert.equal(stream.locked, false);
    assert.equal(cancelled(), false);
  });

  it('throws the mapped error for a failed read, with the cause, after the chunks before it', async () => {
    const drop = new Error('socket hang up');
    const { stream } = body(['ab'], drop);
    const seen: Uint8Array[] = [];
    let causes: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of readBodyChunks(stream, (cause) => {
          causes = [cause];
          return new Error('cut after ab');
        })) {
          seen.push(chunk);
        }
      })(),
      /cut after ab/,
    );
    assert.equal(text(seen), 'ab');
    assert.deepEqual(causes, [drop]);
    assert.equal(stream.locked, false);
  });

  it('cancels the body when the consumer stops early', async () => {
    const { stream, cancelled } = body(['ab', 'cd', 'ef']);
    for await (const chunk of readBodyChunks(stream, () => new Error('unused'))) {
      assert.equal(text([chunk]), 'ab');
      break;
    }
    assert.equal(cancelled(), true);
    assert.equal(stream.locked, false);
  });
});
