/**
 * One measurement of the results bench, run in a fresh process so its peak RSS is its own.
 *
 *   stream <file>               the API layer's line reader (readResultLines over a file stream)
 *   split <file>                the baseline: readFileSync, String.split('\n'), JSON.parse of every line
 *   write <workspace> <file>    the tracker's downloadResults into a FileJobStore (one output file per row)
 *   writeplain <workspace> <file>  the floor for writing: readFileSync + split + JSON.parse, one writeFileSync per
 *                               succeeded row (a mkdir per new folder), nothing else
 *
 * Prints one JSON line with the time (ms), rows and peak RSS (bytes).
 */
import { createReadStream, promises as fs, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { BatchApi, MessageBatchIndividualResponse, ResultsStreamOptions } from '../../src/core/api/batchApi';
import { readResultLines } from '../../src/core/api/resultsReader';
import { JOB_SCHEMA_VERSION, type Job } from '../../src/core/jobs/jobModel';
import { requestsFileFor } from '../../src/core/jobs/jobIds';
import { FileJobStore } from '../../src/core/tracking/jobStore';
import { downloadResults, messageText } from '../../src/core/tracking/resultsWriter';
import { silentLogger } from '../../src/core/util/logger';
import { peakRssBytes } from './report';
import { RESULTS_MODEL, manifestOf } from './resultsFixture';

const BATCH_ID = 'msgbatch_bench0000000000000001';

function rowsOf(file: string, options: { skipLines?: number } = {}): AsyncGenerator<MessageBatchIndividualResponse> {
  const body = Readable.toWeb(createReadStream(file, { highWaterMark: 64 * 1024 })) as unknown as ReadableStream<Uint8Array>;
  return readResultLines(body, options);
}

async function stream(file: string) {
  const start = performance.now();
  let rows = 0;
  let succeeded = 0;
  for await (const row of rowsOf(file)) {
    rows++;
    if (row.result.type === 'succeeded') succeeded++;
  }
  return { ms: performance.now() - start, rows, succeeded, bytes: statSync(file).size, peakRss: peakRssBytes() };
}

function split(file: string) {
  const start = performance.now();
  const parsed: MessageBatchIndividualResponse[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line) parsed.push(JSON.parse(line) as MessageBatchIndividualResponse);
  }
  const succeeded = parsed.filter((row) => row.result.type === 'succeeded').length;
  return { ms: performance.now() - start, rows: parsed.length, succeeded, bytes: statSync(file).size, peakRss: peakRssBytes() };
}

/** Only `resultsBytes` (and `results` without it) is used by downloadResults: the file's bytes, as the API serves a body. */
function fileBackedApi(file: string): BatchApi {
  const unused = () => Promise.reject(new Error('not used by the results bench'));
  return {
    create: unused,
    retrieve: unused,
    listPage: unused,
    listAll: () => ({ [Symbol.asyncIterator]: () => ({ next: unused }) }),
    cancel: unused,
    delete: unused,
    countTokens: unused,
    listModels: unused,
    results: (_batchId: string, options?: ResultsStreamOptions) => rowsOf(file, { skipLines: options?.resumeFrom?.linesDelivered }),
    // The body's bytes as served, what the SDK-backed API hands the writer (it saves them before parsing).
    resultsBytes: () => createReadStream(file, { highWaterMark: 64 * 1024 }),
  };
}

async function write(workspace: string, file: string, rows: number) {
  const store = new FileJobStore(workspace);
  const manifest = manifestOf(rows);
  const job: Job = {
    schemaVersion: JOB_SCHEMA_VERSION,
    id: 'job_bench_results',
    createdAt: Date.now(),
    template: { name: 'summarize', model: RESULTS_MODEL, maxTokens: 1024 },
    manifest,
    batches: [
      {
        index: 0,
        customIds: manifest.map((entry) => entry.customId),
        intentAt: Date.now(),
        requestsSha256: '0'.repeat(64),
        batchId: BATCH_ID,
        purpose: 'initial',
        status: 'ended',
      },
    ],
    rows: {},
    estimate: { batchUsd: 0, syncUsd: 0, inputTokens: 0, outputTokensBound: 0 },
    requestsFile: requestsFileFor('job_bench_results'),
  };
  await store.create(job);
  const start = performance.now();
  const report = await downloadResults(job.id, { store, api: fileBackedApi(file), logger: silentLogger });
  const elapsed = performance.now() - start;
  const jobBytes = (await fs.stat(path.join(store.dir, 'jobs', `${job.id}.json`))).size;
  return { ms: elapsed, rows, written: report.written.length, outcomes: report.outcomes, bytes: statSync(file).size, jobFileBytes: jobBytes, peakRss: peakRssBytes() };
}

function writePlain(workspace: string, file: string, rows: number) {
  const start = performance.now();
  const manifest = new Map(manifestOf(rows).map((entry) => [entry.customId, entry.relativePath]));
  const made = new Set<string>();
  let written = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as MessageBatchIndividualResponse;
    const relativePath = manifest.get(row.custom_id);
    if (!relativePath || row.result.type !== 'succeeded') continue;
    const target = path.join(workspace, 'out', `${relativePath}.md`);
    const folder = path.dirname(target);
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    writeFileSync(target, `${messageText(row.result.message.content)}\n`);
    written++;
  }
  return { ms: performance.now() - start, rows, written, bytes: statSync(file).size, peakRss: peakRssBytes() };
}

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  let result: unknown;
  if (mode === 'stream') result = await stream(args[0]);
  else if (mode === 'split') result = split(args[0]);
  else if (mode === 'write') result = await write(args[0], args[1], Number(args[2]));
  else if (mode === 'writeplain') result = writePlain(args[0], args[1], Number(args[2]));
  else throw new Error(`unknown mode ${mode}`);
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
