import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RequestsFileWriter, customIdOfLine, readRequestLines, storedRequestLines } from '../../../../src/core/jobs/requestsFile';
import type { Job } from '../../../../src/core/jobs/jobModel';

const request = (id: string, text: string) => ({ custom_id: id, params: { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: text }] } });

describe('requests file: written as rows are built, read back a batch at a time', () => {
  let storeDir: string;
  beforeEach(async () => {
    storeDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-requests-'));
  });

  it('is absent until committed, then holds every line in order; a discarded one leaves nothing', async () => {
    const writer = await RequestsFileWriter.open(storeDir, 'job_a');
    // Over one write chunk, so the buffered appends are flushed more than once.
    const big = 'x'.repeat(300_000);
    for (let index = 0; index < 5; index++) await writer.append(JSON.stringify(request(`r${index}`, `${big}${index}`)));
    await assert.rejects(fs.access(writer.target), 'nothing in place before commit');
    const file = await writer.commit();
    assert.equal(file, path.join(storeDir, 'requests', 'job_a.jsonl'));
    const lines = [];
    // A line is a view into the read buffer, valid until the next row is read: its text is taken at once.
    for await (const row of readRequestLines(file)) lines.push({ ...row, text: row.line.toString('utf8') });
    assert.deepEqual(lines.map((row) => row.customId), ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.equal(lines[3]!.text, JSON.stringify(request('r3', `${big}3`)));
    // Each row says where the next one starts, so a later batch is read from there, not from the top.
    const resumed = [];
    for await (const row of readRequestLines(file, lines[2]!.next)) resumed.push(row.customId);
    assert.deepEqual(resumed, ['r3', 'r4']);
    assert.equal(lines[4]!.next, (await fs.stat(file)).size, 'after the last row is the end of the file');

    const dropped = await RequestsFileWriter.open(storeDir, 'job_b');
    await dropped.append(JSON.stringify(request('r0', 'a')));
    await dropped.discard();
    assert.deepEqual(await fs.readdir(path.join(storeDir, 'requests')), ['job_a.jsonl']);
  });

  it('reads the custom id of a line written in another key order, and of one whose id needs parsing', () => {
    assert.equal(customIdOfLine(Buffer.from('{"custom_id":"a_1","params":{}}')), 'a_1');
    assert.equal(customIdOfLine(Buffer.from('{"params":{"x":"{\\"custom_id\\":\\"no\\"}"},"custom_id":"b_2"}')), 'b_2');
    assert.equal(customIdOfLine(Buffer.from('{"custom_id":"c\\u005f3","params":{}}')), 'c_3');
  });

  it('yields only the wanted rows, in file order, and refuses a wanted row the file does not hold', async () => {
    const writer = await RequestsFileWriter.open(storeDir, 'job_c');
    for (const id of ['a', 'b', 'c', 'd']) await writer.append(JSON.stringify(request(id, id)));
    await writer.commit();
    const store = { dir: storeDir, readRequests: () => Promise.reject(new Error('the file is read, not the map')) };
    const job = { id: 'job_c', requestsFile: 'requests/job_c.jsonl' } as Job;
    const ids = [];
    for await (const row of storedRequestLines(store, job, new Set(['d', 'b']))()) ids.push(row.customId);
    assert.deepEqual(ids, ['b', 'd']);
    await assert.rejects(
      (async () => {
        for await (const row of storedRequestLines(store, job, new Set(['a', 'zz']))()) void row;
      })(),
      /no row zz, so it cannot be sent unchanged/,
    );
  });
});
