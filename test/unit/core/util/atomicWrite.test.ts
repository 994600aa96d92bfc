import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicChunks } from '../../../../src/core/util/atomicWrite';

describe('writeFileAtomic', () => {
  it('replaces a file whole, creating its folder, and leaves no temp file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-atomic-'));
    const file = path.join(dir, 'deep', 'job.json');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, 'second');
    assert.equal(await fs.readFile(file, 'utf8'), 'second');
    assert.deepEqual(await fs.readdir(path.dirname(file)), ['job.json']);
  });

  it('writes text given in pieces, across the 1 MB chunk boundary, in order', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-atomic-'));
    const file = path.join(dir, 'rows.jsonl');
    const piece = `${'x'.repeat(99_999)}\n`;
    await writeFileAtomicChunks(file, (function* () {
      for (let index = 0; index < 25; index++) yield `${index}${piece}`;
    })());
    const lines = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
    assert.equal(lines.length, 25);
    assert.deepEqual(lines.map((line) => Number.parseInt(line, 10)), Array.from({ length: 25 }, (_, index) => index));
  });

  it('keeps the old content and removes its temp file when the pieces fail midway', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-atomic-'));
    const file = path.join(dir, 'job.json');
    await writeFileAtomic(file, 'old');
    const failing = (function* () {
      yield 'new part';
      throw new Error('producer failed');
    })();
    await assert.rejects(writeFileAtomicChunks(file, failing), /producer failed/);
    assert.equal(await fs.readFile(file, 'utf8'), 'old');
    assert.deepEqual(await fs.readdir(dir), ['job.json']);
  });

  it('writes a regenerable file the same atomic way when not asked to flush it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-atomic-'));
    const file = path.join(dir, 'out.md');
    await writeFileAtomic(file, 'answer', { durable: false });
    assert.equal(await fs.readFile(file, 'utf8'), 'answer');
    assert.deepEqual(await fs.readdir(dir), ['out.md']);
  });
});
