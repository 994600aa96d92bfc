import { strict as assert } from 'node:assert';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchApiError } from '../../../../src/core/api/errors';
import { downloadResults, type ResultsDownloadOptions } from '../../../../src/core/tracking/resultsWriter';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { silentLogger } from '../../../../src/core/util/logger';
import { FakeBatchApi, MemoryJobStore, counts, makeBatch, makeJob } from './support/fakes';
import { ended, errored, scriptedResults, succeeded } from './support/results';

const FILES = ['src/a.ts', 'src/b.ts', 'lib/c.py'];

/**
 * Every test runs against both stores: the file store's jobs are read through an index of their rows
 * log (rowsLogIndex.ts), the memory store's whole.
 */
const STORES: Array<[string, (root: string) => MemoryJobStore | FileJobStore]> = [
  ['memory store', (root) => new MemoryJobStore(root)],
  ['file store', (root) => new FileJobStore(root)],
];

async function workspaceWith(makeStore: (root: string) => MemoryJobStore | FileJobStore) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-results-'));
  const store = makeStore(root);
  const api = new FakeBatchApi();
  const job = makeJob('job_1', FILES, [
    makeBatch({ batchId: 'msgbatch_1', customIds: ['row-0', 'row-1', 'row-2'], status: 'ended', counts: counts({ succeeded: 3 }) }),
  ]);
  await store.create(job);
  const options = (extra: Partial<ResultsDownloadOptions> = {}): ResultsDownloadOptions => ({ store, api, logger: silentLogger, ...extra });
  return { root, store, api, options };
}

async function readLines(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8')).split('\n').filter((line) => line.length > 0);
}

for (const [storeKind, makeStore] of STORES) describe(`downloadResults (${storeKind})`, () => {
  const workspace = () => workspaceWith(makeStore);

  it('writes one output per succeeded row under .batchlens/results/<job>, plus the raw JSONL', async () => {
    const { root, store, api, options } = await workspace();
    api.resultsImpl = scriptedResults([succeeded('row-1', 'B summary'), succeeded('row-0', 'A summary'), succeeded('row-2', 'C summary')]).impl;
    const report = await downloadResults('job_1', options());
    assert.deepEqual(
      report.written.map((file) => file.outputPath).sort(),
      ['.batchlens/results/job_1/lib/c.py.md', '.batchlens/results/job_1/src/a.ts.md', '.batchlens/results/job_1/src/b.ts.md'],
    );
    assert.equal(await fs.readFile(path.join(root, '.batchlens/results/job_1/src/a.ts.md'), 'utf8'), 'A summary\n');
    const raw = await readLines(path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl'));
    assert.deepEqual(raw.map((line) => JSON.parse(line).custom_id), ['row-1', 'row-0', 'row-2']);
    const job = await store.get('job_1');
    assert.equal(job?.batches[0].resultsComplete, true);
    assert.equal(job?.batches[0].resultsLinesWritten, 3);
    assert.equal(job?.rows['row-0'][0].outputPath, '.batchlens/results/job_1/src/a.ts.md');
    assert.equal(job?.rows['row-0'][0].rawLine, 1);
    assert.equal(job?.rows['row-0'][0].usage?.service_tier, 'batch');
  });

  it('lists only the first `listWritten` files when asked, and counts every one', async () => {
    const { root, api, options } = await workspace();
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A'), succeeded('row-1', 'B'), succeeded('row-2', 'C')]).impl;
    const report = await downloadResults('job_1', options({ listWritten: 1 }));
    assert.equal(report.writtenCount, 3);
    assert.deepEqual(report.written.map((file) => file.outputPath), ['.batchlens/results/job_1/src/a.ts.md']);
    assert.equal(await fs.readFile(path.join(root, '.batchlens/results/job_1/lib/c.py.md'), 'utf8'), 'C\n');
  });

  it('uses the template output pattern inside the results folder', async () => {
    const { store, api, options } = await workspace();
    await store.update('job_1', (job) => {
      job.template.outputPattern = '{{file.path}}.summary.md';
    });
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A')]).impl;
    const report = await downloadResults('job_1', options());
    assert.deepEqual(report.written.map((file) => file.outputPath), ['.batchlens/results/job_1/src/a.ts.summary.md']);
  });

  it('records errored, canceled and expired rows with the nested error type and message', async () => {
    const { store, api, options } = await workspace();
    api.resultsImpl = scriptedResults([
      errored('row-0', 'invalid_request_error', 'max_tokens: too large'),
      ended('row-1', 'expired'),
      ended('row-2', 'canceled'),
    ]).impl;
    const report = await downloadResults('job_1', options());
    assert.equal(report.written.length, 0);
    assert.deepEqual(report.outcomes, { succeeded: 0, errored: 1, canceled: 1, expired: 1 });
    const job = await store.get('job_1');
    assert.deepEqual(job?.rows['row-0'], [
      { batchId: 'msgbatch_1', outcome: 'errored', errorType: 'invalid_request_error', errorMessage: 'max_tokens: too large', rawLine: 0 },
    ]);
    assert.equal(job?.rows['row-1'][0].outcome, 'expired');
    assert.equal(job?.rows['row-2'][0].outcome, 'canceled');
  });

  it('is idempotent: a second download writes nothing, and a forced one rewrites nothing unchanged', async () => {
    const { root, api, options } = await workspace();
    const lines = [succeeded('row-0', 'A'), succeeded('row-1', 'B'), succeeded('row-2', 'C')];
    api.resultsImpl = scriptedResults(lines).impl;
    assert.equal((await downloadResults('job_1', options())).written.length, 3);
    const output = path.join(root, '.batchlens/results/job_1/src/a.ts.md');
    const before = (await fs.stat(output)).mtimeMs;

    const second = await downloadResults('job_1', options());
    assert.equal(second.written.length, 0);
    assert.equal(api.count('results'), 1, 'a complete batch is not downloaded again');

    api.resultsImpl = scriptedResults(lines).impl;
    const forced = await downloadResults('job_1', options({ force: true }));
    assert.equal(forced.written.length, 0);
    assert.equal(forced.unchanged, 3);
    assert.equal((await fs.stat(output)).mtimeMs, before);
    assert.equal((await readLines(path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl'))).length, 3);
  });

  it('saves progress geometrically, so a long download rewrites the job file O(log n) times', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-results-'));
    const store = new MemoryJobStore(root);
    const ids = Array.from({ length: 600 }, (_, index) => `row-${index}`);
    await store.create(
      makeJob('job_1', ids.map((_, index) => `src/f${index}.txt`), [
        makeBatch({ batchId: 'msgbatch_1', customIds: ids, status: 'ended', counts: counts({ succeeded: ids.length }) }),
      ]),
    );
    let saves = 0;
    const update = store.update.bind(store);
    store.update = (jobId, mutate) => {
      saves += 1;
      return update(jobId, mutate);
    };
    const api = new FakeBatchApi();
    api.resultsImpl = scriptedResults(ids.map((id) => succeeded(id, id))).impl;
    const report = await downloadResults('job_1', { store, api, logger: silentLogger, saveEveryLines: 5 });
    assert.equal(report.written.length, ids.length);
    // Every 5 lines would be 120 saves; geometric spacing (checked per chunk read) needs a handful.
    assert.ok(saves <= 25, `saved ${saves} times`);
    assert.equal((await store.get('job_1'))?.batches[0].resultsLinesWritten, ids.length);
  });

  it('resumes a stream cut mid-download without duplicating a line', async () => {
    const { root, store, api, options } = await workspace();
    const script = scriptedResults([succeeded('row-0', 'A'), succeeded('row-1', 'B'), succeeded('row-2', 'C')], [1, 2]);
    api.resultsImpl = script.impl;
    const report = await downloadResults('job_1', options({ saveEveryLines: 1 }));
    assert.deepEqual(script.resumedFrom, [0, 1, 2]);
    assert.equal(report.written.length, 3);
    const raw = await readLines(path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl'));
    assert.deepEqual(raw.map((line) => JSON.parse(line).custom_id), ['row-0', 'row-1', 'row-2']);
    const job = await store.get('job_1');
    assert.deepEqual(Object.values(job?.rows ?? {}).map((attempts) => attempts.length), [1, 1, 1]);
  });

  it('processes nothing of a download that stays cut, and the next call continues the download from there', async () => {
    const { root, store, api, options } = await workspace();
    const lines = [succeeded('row-0', 'A'), succeeded('row-1', 'B'), succeeded('row-2', 'C')];
    api.resultsImpl = scriptedResults(lines, [2]).impl;
    await assert.rejects(downloadResults('job_1', options({ maxResumes: 0 })), /stream cut/);
    const saved = await store.get('job_1');
    assert.notEqual(saved?.batches[0].resultsComplete, true);
    assert.deepEqual(saved?.rows, {});
    const rawPath = path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl');
    await assert.rejects(fs.stat(rawPath), /ENOENT/);
    assert.equal((await readLines(`${rawPath}.partial`)).length, 2);

    const script = scriptedResults(lines);
    api.resultsImpl = script.impl;
    const report = await downloadResults('job_1', options());
    assert.deepEqual(script.resumedFrom, [2]);
    assert.deepEqual(report.written.map((file) => file.customId), ['row-0', 'row-1', 'row-2']);
    assert.deepEqual((await readLines(rawPath)).map((line) => JSON.parse(line).custom_id), ['row-0', 'row-1', 'row-2']);
    await assert.rejects(fs.stat(`${rawPath}.partial`), /ENOENT/);
  });

  it('after a crash mid-processing, continues from the saved line without downloading again', async () => {
    const { root, store, api, options } = await workspace();
    const rawPath = path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl');
    await fs.mkdir(path.dirname(rawPath), { recursive: true });
    await fs.writeFile(rawPath, [succeeded('row-0', 'A'), succeeded('row-1', 'B'), succeeded('row-2', 'C')].map((row) => `${JSON.stringify(row)}\n`).join(''));
    await store.update('job_1', (job) => {
      job.batches[0].resultsDownloaded = true;
      job.batches[0].resultsLinesWritten = 1;
    });
    const script = scriptedResults([]);
    api.resultsImpl = script.impl;
    const report = await downloadResults('job_1', options());
    assert.deepEqual(script.resumedFrom, [], 'the whole body was already on disk');
    assert.deepEqual(report.written.map((file) => file.customId), ['row-1', 'row-2']);
    assert.deepEqual(report.batches[0].tally, { lines: 3, succeeded: 3, errored: 0, canceled: 0, expired: 0, unknown: 0 });
    const job = await store.get('job_1');
    assert.deepEqual([job?.rows['row-1']?.[0].rawLine, job?.rows['row-2']?.[0].rawLine], [1, 2]);
  });

  it('replaces a raw file that was never completed with the whole body, without duplicating a line', async () => {
    const { root, store, api, options } = await workspace();
    const rawPath = path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl');
    await fs.mkdir(path.dirname(rawPath), { recursive: true });
    await fs.writeFile(rawPath, `${JSON.stringify(succeeded('row-0', 'A'))}\n${JSON.stringify(succeeded('row-1', 'B'))}\n{"custom_id":"row-2","res`);
    await store.update('job_1', (job) => {
      job.batches[0].resultsLinesWritten = 1;
    });
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A'), succeeded('row-1', 'B'), succeeded('row-2', 'C')]).impl;
    await downloadResults('job_1', options());
    const raw = await readLines(rawPath);
    assert.deepEqual(raw.map((line) => JSON.parse(line).custom_id), ['row-0', 'row-1', 'row-2']);
  });

  it('saves the byte stream as served, resuming a body cut mid-line at the last complete line', async () => {
    const { root, store, api, options } = await workspace();
    const body = Buffer.from([succeeded('row-0', 'A'), errored('row-1', 'overloaded_error', 'Overloaded'), succeeded('row-2', 'C')].map((row) => `${JSON.stringify(row)}\r\n`).join(''));
    const cutAt = body.indexOf('row-1') + 10;
    const requests: number[] = [];
    api.resultsBytes = (_batchId: string) => {
      const attempt = requests.push(requests.length);
      return (async function* () {
        // Chunks split lines (and would split characters) anywhere; the first request is cut mid-line.
        for (let at = 0; at < body.length; at += 7) {
          if (attempt === 1 && at >= cutAt) {
            throw new BatchApiError({ kind: 'connection', message: 'socket hang up' });
          }
          yield body.subarray(at, Math.min(body.length, at + 7));
        }
      })();
    };
    const report = await downloadResults('job_1', options());
    assert.equal(requests.length, 2);
    const rawPath = path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl');
    assert.deepEqual(await fs.readFile(rawPath), body);
    assert.deepEqual(report.outcomes, { succeeded: 2, errored: 1, canceled: 0, expired: 0 });
    assert.deepEqual(report.batches[0].tally, { lines: 3, succeeded: 2, errored: 1, canceled: 0, expired: 0, unknown: 0 });
    const job = await store.get('job_1');
    assert.deepEqual(job?.batches[0].resultsTally, report.batches[0].tally);
    assert.equal(job?.rows['row-1']?.[0].errorType, 'overloaded_error');
    assert.equal(await fs.readFile(path.join(root, '.batchlens/results/job_1/src/b.ts.md'), 'utf8').catch(() => 'none'), 'none');
  });

  it('saves a body of several megabytes byte for byte through its reused write buffer, also when cut after a full buffer', async () => {
    const { root, api, options } = await workspace();
    // Rows of ~0.9 MB each, so lines and chunks straddle the 1 MB writes everywhere.
    const texts = ['a', 'b', 'c'].map((letter, row) => `${letter.repeat(900_000)} row ${row} ${'é'.repeat(1_000)}`);
    const body = Buffer.from(texts.map((text, row) => `${JSON.stringify(succeeded(`row-${row}`, text))}\n`).join(''));
    const cutAt = body.indexOf('"row-2"') - 50_000;
    const requests: number[] = [];
    api.resultsBytes = (_batchId: string) => {
      const attempt = requests.push(requests.length);
      return (async function* () {
        for (let at = 0; at < body.length; at += 300_007) {
          if (attempt === 1 && at >= cutAt) throw new BatchApiError({ kind: 'connection', message: 'socket hang up' });
          // A copy, as the network hands out fresh chunks: the writer must not rely on the source's bytes.
          yield Buffer.from(body.subarray(at, Math.min(body.length, at + 300_007)));
        }
      })();
    };
    const report = await downloadResults('job_1', options());
    assert.equal(requests.length, 2);
    assert.ok(body.length > 2.5 * (1 << 20));
    assert.ok(body.equals(await fs.readFile(path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl'))));
    assert.equal(report.writtenCount, 3);
    for (const [row, file] of FILES.entries()) {
      assert.equal(await fs.readFile(path.join(root, `.batchlens/results/job_1/${file}.md`), 'utf8'), `${texts[row]}\n`);
    }
  });

  it('two downloads of one job at once leave one copy of each line, and every row points at its own line', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-results-'));
    const store = new FileJobStore(root);
    const ids = Array.from({ length: 300 }, (_, index) => `row-${index}`);
    await store.create(
      makeJob('job_1', ids.map((_, index) => `src/f${index}.txt`), [
        makeBatch({ batchId: 'msgbatch_1', customIds: ids, status: 'ended', counts: counts({ succeeded: ids.length }) }),
      ]),
    );
    const lines = ids.map((id) => succeeded(id, `text of ${id}`));
    const slowApi = () => {
      const api = new FakeBatchApi();
      api.resultsImpl = () =>
        (async function* () {
          for (const line of lines) {
            await new Promise((resolve) => setImmediate(resolve));
            yield line;
          }
        })();
      return api;
    };
    await Promise.all([
      downloadResults('job_1', { store, api: slowApi(), logger: silentLogger, saveEveryLines: 10 }),
      downloadResults('job_1', { store, api: slowApi(), logger: silentLogger, saveEveryLines: 10 }),
    ]);
    const raw = await readLines(path.join(root, '.batchlens/results/job_1/msgbatch_1.jsonl'));
    assert.equal(raw.length, ids.length);
    const job = await store.get('job_1');
    for (const id of ids) {
      const attempts = job?.rows[id] ?? [];
      assert.equal(attempts.length, 1, id);
      assert.equal(JSON.parse(raw[attempts[0].rawLine as number]).custom_id, id);
    }
    const leftovers = (await fs.readdir(path.join(root, '.batchlens/results/job_1'))).filter((name) => name.endsWith('.download') || name.endsWith('.partial'));
    assert.deepEqual(leftovers, []);
  });

  it('reports custom_ids the manifest does not know and writes nothing for them', async () => {
    const { root, store, api, options } = await workspace();
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A'), succeeded('stranger', 'X')]).impl;
    const report = await downloadResults('job_1', options());
    assert.deepEqual(report.unknownCustomIds, ['stranger']);
    assert.deepEqual(report.written.map((file) => file.customId), ['row-0']);
    const job = await store.get('job_1');
    assert.equal(job?.rows.stranger, undefined);
    assert.deepEqual(job?.batches[0].unknownCustomIds, ['stranger']);
    const files = await fs.readdir(path.join(root, '.batchlens/results/job_1'), { recursive: true });
    assert.ok(!files.some((file) => String(file).includes('stranger')));
  });

  const escapes: Array<[string, string]> = [
    ['a parent-folder path', '../outside.ts'],
    ['an absolute path', '/etc/passwd'],
    ['a nested parent-folder path', 'src/../../outside.ts'],
  ];
  for (const [name, badPath] of escapes) {
    it(`never writes outside the workspace for ${name} beside the source`, async () => {
      const { root, store, api, options } = await workspace();
      await store.update('job_1', (job) => {
        job.manifest[0] = { ...job.manifest[0], relativePath: badPath };
      });
      api.resultsImpl = scriptedResults([succeeded('row-0', 'A')]).impl;
      const report = await downloadResults('job_1', options({ location: 'besideSource' }));
      assert.equal(report.written.length, 0);
      assert.equal(report.skipped.length, 1);
      assert.match(report.skipped[0].reason, /not allowed|outside/);
      await assert.rejects(fs.stat(path.join(path.dirname(root), 'outside.ts.job_1.md')));
    });
  }

  it('never writes through a symlinked folder that leads out of the workspace', async () => {
    const { root, store, api, options } = await workspace();
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-outside-'));
    await fs.symlink(outside, path.join(root, 'linked'));
    await store.update('job_1', (job) => {
      job.manifest[0] = { ...job.manifest[0], relativePath: 'linked/a.ts' };
    });
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A')]).impl;
    const report = await downloadResults('job_1', options({ location: 'besideSource' }));
    assert.equal(report.written.length, 0);
    assert.match(report.skipped[0].reason, /symlink/);
    assert.deepEqual(await fs.readdir(outside), []);
  });

  it('never overwrites a file the user wrote: the output goes to <name>.1.md', async () => {
    const { root, api, options } = await workspace();
    await fs.mkdir(path.join(root, 'src'), { recursive: true });
    const userFile = path.join(root, 'src/a.ts.job_1.md');
    await fs.writeFile(userFile, 'my own notes\n');
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A')]).impl;
    const report = await downloadResults('job_1', options({ location: 'besideSource' }));
    assert.deepEqual(report.written.map((file) => file.outputPath), ['src/a.ts.job_1.1.md']);
    assert.equal(await fs.readFile(userFile, 'utf8'), 'my own notes\n');
    assert.equal(await fs.readFile(path.join(root, 'src/a.ts.job_1.1.md'), 'utf8'), 'A\n');
  });

  it('asks before replacing a user file, and keeps it when told to skip', async () => {
    const { root, api, options } = await workspace();
    await fs.mkdir(path.join(root, 'src'), { recursive: true });
    await fs.writeFile(path.join(root, 'src/a.ts.job_1.md'), 'mine\n');
    api.resultsImpl = scriptedResults([succeeded('row-0', 'A')]).impl;
    const asked: string[] = [];
    const report = await downloadResults('job_1', options({
      location: 'besideSource',
      onConflict: async (file) => {
        asked.push(file);
        return 'skip';
      },
    }));
    assert.deepEqual(asked, ['src/a.ts.job_1.md']);
    assert.equal(report.written.length, 0);
    assert.equal(await fs.readFile(path.join(root, 'src/a.ts.job_1.md'), 'utf8'), 'mine\n');
  });

  it('replaces its own earlier output when the content changed, but not after the user edited it', async () => {
    const { root, store, api, options } = await workspace();
    api.resultsImpl = scriptedResults([succeeded('row-0', 'first')]).impl;
    await downloadResults('job_1', options());
    const output = path.join(root, '.batchlens/results/job_1/src/a.ts.md');

    api.resultsImpl = scriptedResults([succeeded('row-0', 'second')]).impl;
    const updated = await downloadResults('job_1', options({ force: true }));
    assert.deepEqual(updated.written.map((file) => [file.outputPath, file.change]), [['.batchlens/results/job_1/src/a.ts.md', 'updated']]);
    assert.equal(await fs.readFile(output, 'utf8'), 'second\n');

    await fs.writeFile(output, 'edited by hand\n');
    api.resultsImpl = scriptedResults([succeeded('row-0', 'third')]).impl;
    const kept = await downloadResults('job_1', options({ force: true }));
    assert.deepEqual(kept.written.map((file) => file.outputPath), ['.batchlens/results/job_1/src/a.ts.1.md']);
    assert.equal(await fs.readFile(output, 'utf8'), 'edited by hand\n');
    assert.ok((await store.get('job_1'))?.writtenFiles?.['.batchlens/results/job_1/src/a.ts.1.md']);
  });

  it('downloads every batch before processing any: a body that cannot be downloaded leaves the others processed, and the next call fetches only it', async () => {
    const { root, store, api, options } = await workspace();
    await store.update('job_1', (job) => {
      job.batches[0].customIds = ['row-0', 'row-1'];
      job.batches[0].counts = counts({ succeeded: 2 });
      job.batches.push(makeBatch({ index: 1, batchId: 'msgbatch_2', customIds: ['row-2'], status: 'ended', counts: counts({ succeeded: 1 }) }));
    });
    const order: string[] = [];
    const first = scriptedResults([succeeded('row-0', 'A'), succeeded('row-1', 'B')]);
    const second = scriptedResults([succeeded('row-2', 'C')], [0]);
    const firstOutput = path.join(root, '.batchlens/results/job_1/src/b.ts.md');
    api.resultsImpl = (id, streamOptions) => {
      order.push(`fetch ${id} (${existsSync(firstOutput) ? 'after' : 'before'} any output)`);
      return (id === 'msgbatch_1' ? first : second).impl(id, streamOptions);
    };
    await assert.rejects(downloadResults('job_1', options({ maxResumes: 0 })), /stream cut/);
    assert.deepEqual(order, ['fetch msgbatch_1 (before any output)', 'fetch msgbatch_2 (before any output)'], 'both bodies are asked for before any row is processed');
    const afterFailure = await store.get('job_1');
    assert.equal(afterFailure?.batches[0].resultsComplete, true, 'the batch whose body arrived was processed');
    assert.equal(await fs.readFile(firstOutput, 'utf8'), 'B\n');
    assert.notEqual(afterFailure?.batches[1].resultsComplete, true);
    assert.equal(afterFailure?.rows['row-2'], undefined);

    order.length = 0;
    api.resultsImpl = (id, streamOptions) => {
      order.push(id);
      return scriptedResults([succeeded('row-2', 'C')]).impl(id, streamOptions);
    };
    const report = await downloadResults('job_1', options());
    assert.deepEqual(order, ['msgbatch_2']);
    assert.deepEqual(report.written.map((file) => file.customId), ['row-2']);
    assert.equal((await store.get('job_1'))?.batches[1].resultsComplete, true);
  });

  it('leaves batches that are still running for later', async () => {
    const { store, api, options } = await workspace();
    await store.update('job_1', (job) => {
      job.batches[0].status = 'in_progress';
    });
    const report = await downloadResults('job_1', options());
    assert.equal(report.batchesPending, 1);
    assert.equal(api.count('results'), 0);
  });
});
