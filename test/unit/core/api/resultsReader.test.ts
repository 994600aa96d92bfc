import assert from 'node:assert/strict';
import { BatchApiError } from '../../../../src/core/api/errors';
import { LineSplitter } from '../../../../src/core/api/lineSplitter';
import { readResultLines } from '../../../../src/core/api/resultsReader';

const row = (id: string) => JSON.stringify({ custom_id: id, result: { type: 'canceled' } });

/** A body delivered in the given chunks, optionally failing after them as a dropped connection does. */
function body(chunks: Array<string | Uint8Array>, failWith?: Error): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) {
        const chunk = chunks[index++];
        controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
      } else if (failWith) {
        controller.error(failWith);
      } else {
        controller.close();
      }
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>, skipLines = 0): Promise<{ ids: string[]; error?: BatchApiError }> {
  const ids: string[] = [];
  try {
    for await (const r of readResultLines(stream, { skipLines })) {
      ids.push(r.custom_id);
    }
    return { ids };
  } catch (error) {
    assert.ok(error instanceof BatchApiError);
    return { ids, error };
  }
}

describe('LineSplitter', () => {
  it('joins lines split across chunks, drops the \\r of CRLF, and keeps the unfinished tail', () => {
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push(new TextEncoder().encode('ab')), []);
    assert.deepEqual(splitter.push(new TextEncoder().encode('c\r\nde\nf')), ['abc', 'de']);
    assert.equal(splitter.remainderBytes, 1);
    assert.equal(splitter.takeRemainder(), 'f');
    assert.equal(splitter.remainderBytes, 0);
  });

  it('never breaks a multi-byte character cut between chunks', () => {
    const bytes = new TextEncoder().encode('héllo ✓\n');
    const splitter = new LineSplitter();
    const lines = [...bytes].flatMap((byte) => splitter.push(Uint8Array.of(byte)));
    assert.deepEqual(lines, ['héllo ✓']);
  });
});

describe('readResultLines', () => {
  it('parses rows streamed in odd chunks, with CRLF endings and blank lines skipped', async () => {
    const text = `${row('a')}\r\n\r\n${row('b')}\n\n${row('c')}\n`;
    const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
    assert.deepEqual((await readAll(body(chunks))).ids, ['a', 'b', 'c']);
  });

  it('accepts a last line without a newline when it is complete JSON', async () => {
    assert.deepEqual((await readAll(body([`${row('a')}\n${row('b')}`]))).ids, ['a', 'b']);
  });

  it('discards a partial last line and reports the cut with how many lines were delivered', async () => {
    const { ids, error } = await readAll(body([`${row('a')}\n${row('b')}\n${row('c').slice(0, 12)}`]));
    assert.deepEqual(ids, ['a', 'b']);
    assert.equal(error?.kind, 'connection');
    assert.deepEqual(error?.cursor, { linesDelivered: 2 });
  });

  it('reports a connection dropped mid-line the same way', async () => {
    const dropped = Object.assign(new TypeError('terminated'), { cause: new Error('other side closed') });
    const { ids, error } = await readAll(body([`${row('a')}\n${row('b').slice(0, 5)}`], dropped));
    assert.deepEqual(ids, ['a']);
    assert.equal(error?.kind, 'connection');
    assert.deepEqual(error?.cursor, { linesDelivered: 1 });
    assert.match(error?.message ?? '', /other side closed/);
  });

  it('skips the lines an earlier download delivered (blank lines not counted)', async () => {
    const text = `${row('a')}\n\n${row('b')}\n${row('c')}\n`;
    assert.deepEqual((await readAll(body([text]), 2)).ids, ['c']);
  });

  it('fails on a line that is not JSON, saying which', async () => {
    const { error } = await readAll(body([`${row('a')}\nnot json\n`]));
    assert.equal(error?.kind, 'server');
    assert.match(error?.message ?? '', /line 2/);
  });
});
