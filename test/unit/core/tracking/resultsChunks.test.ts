import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHUNK_BYTES, MAX_LINES_BETWEEN_SAVES, downloadResults } from '../../../../src/core/tracking/resultsWriter';
import { silentLogger } from '../../../../src/core/util/logger';
import { FakeBatchApi, MemoryJobStore, counts, makeBatch, makeJob } from './support/fakes';
import { scriptedResults, succeeded } from './support/results';

/** A workspace whose one ended batch holds a row per file (`row-<i>`). */
async function workspace(files: string[]) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-chunks-'));
  const store = new MemoryJobStore(root);
  const ids = files.map((_, index) => `row-${index}`);
  await store.create(makeJob('job_1', files, [makeBatch({ batchId: 'msgbatch_1', customIds: ids, status: 'ended', counts: counts({ succeeded: ids.length }) })]));
  const api = new FakeBatchApi();
  return { root, store, api, ids, options: { store, api, logger: silentLogger } };
}

const output = (root: string, file: string) => path.join(root, '.batchlens/results/job_1', `${file}.md`);

describe('downloadResults: processing the results file chunk by chunk', () => {
  it('saves progress every MAX_LINES_BETWEEN_SAVES lines, within a chunk too, so the rows held for a save stay bounded', async () => {
    const files = Array.from({ length: 3_000 }, (_, index) => `src/d${index % 20}/f${index}.txt`);
    const { root, store, api, ids, options } = await workspace(files);
    api.resultsImpl = scriptedResults(ids.map((id) => succeeded(id, `summary of ${id} ${'.'.repeat(1200)}`))).impl;
    const savedLines: number[] = [];
    const update = store.update.bind(store);
    store.update = async (jobId, mutate) => {
      const job = await update(jobId, mutate);
      savedLines.push(job.batches[0].resultsLinesWritten ?? 0);
      return job;
    };
    const report = await downloadResults('job_1', options);
    assert.equal(report.written.length, files.length);
    // The raw file spans several chunks: a download that held every row until the end would save once.
    const raw = await fs.stat(path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl'));
    assert.ok(raw.size > 2 * CHUNK_BYTES, `raw file of ${raw.size} bytes`);
    const longestLine = Math.max(...(await fs.readFile(path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl'), 'utf8')).split('\n').filter(Boolean).map((line) => line.length + 1));
    // A chunk holds more lines than that: saves come in the middle of chunks.
    assert.ok(CHUNK_BYTES / longestLine > MAX_LINES_BETWEEN_SAVES, `a chunk holds ${Math.floor(CHUNK_BYTES / longestLine)} lines`);
    const bound = MAX_LINES_BETWEEN_SAVES;
    const progress = savedLines.filter((lines) => lines > 0);
    progress.forEach((lines, index) => {
      const gap = lines - (index === 0 ? 0 : progress[index - 1]);
      assert.ok(gap <= bound, `${gap} lines between saves (at most ${bound})`);
    });
    assert.equal(progress[progress.length - 1], files.length);
    assert.equal(await fs.readFile(output(root, files[2_999]), 'utf8'), `summary of row-2999 ${'.'.repeat(1200)}\n`);
  });

  it('reads a line longer than a chunk whole', async () => {
    const { root, api, options } = await workspace(['src/a.ts', 'src/b.ts']);
    const long = 'x'.repeat(CHUNK_BYTES + 1000);
    api.resultsImpl = scriptedResults([succeeded('row-0', long), succeeded('row-1', 'short')]).impl;
    const report = await downloadResults('job_1', options);
    assert.equal(report.written.length, 2);
    assert.equal(await fs.readFile(output(root, 'src/a.ts'), 'utf8'), `${long}\n`);
    assert.equal(await fs.readFile(output(root, 'src/b.ts'), 'utf8'), 'short\n');
  });

  it('a file already at an output\'s place in a folder being written directly is kept: the output goes to <name>.1.md', async () => {
    const { root, api, options } = await workspace(['src/a.ts', 'src/b.ts', 'src/c.ts']);
    await fs.mkdir(path.dirname(output(root, 'src/b.ts')), { recursive: true });
    await fs.writeFile(output(root, 'src/b.ts'), 'my notes\n');
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A'), succeeded('row-1', 'B'), succeeded('row-2', 'C')]).impl;
    const report = await downloadResults('job_1', options);
    assert.deepEqual(report.written.map((file) => path.basename(file.outputPath)), ['a.ts.md', 'b.ts.1.md', 'c.ts.md']);
    assert.equal(await fs.readFile(output(root, 'src/b.ts'), 'utf8'), 'my notes\n');
    assert.equal(await fs.readFile(path.join(root, '.batchlens/results/job_1/src/b.ts.1.md'), 'utf8'), 'B\n');
  });

  it('never follows a symlink found at an output\'s place in a folder being written directly', async () => {
    const { root, api, options } = await workspace(['src/a.ts', 'src/b.ts']);
    const outside = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-outside-')), 'target.md');
    await fs.writeFile(outside, 'outside\n');
    await fs.mkdir(path.dirname(output(root, 'src/b.ts')), { recursive: true });
    await fs.symlink(outside, output(root, 'src/b.ts'));
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A'), succeeded('row-1', 'B')]).impl;
    const report = await downloadResults('job_1', options);
    assert.deepEqual(report.written.map((file) => path.basename(file.outputPath)), ['a.ts.md']);
    assert.match(report.skipped[0]?.reason ?? '', /symlink/);
    assert.equal(await fs.readFile(outside, 'utf8'), 'outside\n');
  });

  it('on POSIX a backslash in a name is part of the name, also for outputs created directly in a checked folder', async () => {
    // On Windows no file name can hold a backslash.
    if (path.sep === '\\') return;
    const { root, api, options } = await workspace(['src/a.ts', 'src/b\\c.ts']);
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A'), succeeded('row-1', 'BC')]).impl;
    const report = await downloadResults('job_1', options);
    assert.deepEqual(report.written.map((file) => file.outputPath), ['.batchlens/results/job_1/src/a.ts.md', '.batchlens/results/job_1/src/b\\c.ts.md']);
    assert.deepEqual((await fs.readdir(path.dirname(output(root, 'src/a.ts')))).sort(), ['a.ts.md', 'b\\c.ts.md']);
    assert.equal(await fs.readFile(output(root, 'src/b\\c.ts'), 'utf8'), 'BC\n');
  });

  it('two rows of one download aiming at one output: the later replaces the earlier (Batchlens wrote it), no <name>.1.md', async () => {
    const { root, api, options } = await workspace(['src/a.ts', 'src/a.ts']);
    api.resultsImpl = scriptedResults([succeeded('row-0', 'first'), succeeded('row-1', 'second')]).impl;
    const report = await downloadResults('job_1', options);
    assert.deepEqual(report.written.map((file) => [path.basename(file.outputPath), file.change]), [['a.ts.md', 'created'], ['a.ts.md', 'updated']]);
    assert.equal(await fs.readFile(output(root, 'src/a.ts'), 'utf8'), 'second\n');
    assert.deepEqual((await fs.readdir(path.dirname(output(root, 'src/a.ts')))).sort(), ['a.ts.md']);
  });
});
