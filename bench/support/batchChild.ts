/**
 * One measurement of the batch bench, run in a fresh process so its peak RSS is its own.
 *
 *   prepare <root> <files>  the real pipeline (prepareJob: collect, build, ids, split, preview, the
 *                           requests file written as rows are built), then JSON.stringify of each
 *                           planned create body (the same payload, parsed back untimed: the baseline)
 *   plain <root> <files>    the naive floor: a bare walk, readFileSync, plain request objects, one
 *                           JSON.stringify of the whole body
 *
 * Prints one JSON line with the times (ms) and peak RSS (bytes).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BatchRequest } from '../../src/core/api/batchApi';
import { prepareJob } from '../../src/core/batch/prepareJob';
import { builtinTemplates } from '../../src/core/batch/templates';
import { positionsOf } from '../../src/core/jobs/splitBatches';
import { peakRssBytes } from './report';
import { selectionFor } from './sourceTree';

const MODEL = 'claude-sonnet-4-6';

async function prepare(root: string, files: number): Promise<Record<string, number>> {
  const template = builtinTemplates(MODEL).find((candidate) => candidate.name === 'summarize');
  if (!template) throw new Error('no built-in summarize template');
  const startRss = process.memoryUsage().rss;
  const start = performance.now();
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-bench-store-'));
  try {
    const prepared = await prepareJob({ root, selection: selectionFor(files), maxFileBytes: 1_000_000, template, maxRequestsPerBatch: 100_000, keepRequestsIn: storeDir, now: Date.now() });
    const prepareMs = performance.now() - start;
    const prepareRss = peakRssBytes();
    const built = prepared.job.manifest.length;
    if (built < files) throw new Error(`expected ${files} requests, built ${built}`);
    // The baseline needs the request objects: parsed back from the requests file, outside the timing.
    const requestsFile = await prepared.requests!.commit();
    const requests = fs.readFileSync(requestsFile, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as BatchRequest);
    const stringifyStart = performance.now();
    let bodyBytes = 0;
    for (const batch of prepared.plan) {
      bodyBytes += Buffer.byteLength(JSON.stringify({ requests: positionsOf(batch).map((index) => requests[index]) }));
    }
    const stringifyMs = performance.now() - stringifyStart;
    return { prepareMs, stringifyMs, startRss, peakRss: prepareRss, requests: built, batches: prepared.plan.length, bodyBytes };
  } finally {
    fs.rmSync(storeDir, { recursive: true, force: true });
  }
}

function plain(root: string, files: number): Record<string, number> {
  const template = builtinTemplates(MODEL).find((candidate) => candidate.name === 'summarize');
  if (!template?.system) throw new Error('no built-in summarize template');
  const startRss = process.memoryUsage().rss;
  const start = performance.now();
  const requests: BatchRequest[] = [];
  const system = [{ type: 'text' as const, text: template.system }];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && entry.name.endsWith('.ts')) {
        const content = fs.readFileSync(path.join(root, child), 'utf8');
        requests.push({
          custom_id: `r${requests.length}`,
          params: { model: MODEL, max_tokens: template.maxTokens, system, messages: [{ role: 'user', content: `File: ${child}\n\n<file>\n${content}\n</file>` }] },
        });
      }
    }
  };
  for (const folder of selectionFor(files)) walk(folder);
  const readMs = performance.now() - start;
  const stringifyStart = performance.now();
  const bodyBytes = Buffer.byteLength(JSON.stringify({ requests }));
  const stringifyMs = performance.now() - stringifyStart;
  if (requests.length !== files) throw new Error(`expected ${files} files, read ${requests.length}`);
  return { totalMs: performance.now() - start, readMs, stringifyMs, startRss, peakRss: peakRssBytes(), requests: requests.length, bodyBytes };
}

async function main(): Promise<void> {
  const [mode, root, filesText] = process.argv.slice(2);
  const files = Number(filesText);
  if (!root || !Number.isInteger(files)) throw new Error('usage: batchChild.ts prepare|plain <root> <files>');
  const result = mode === 'prepare' ? await prepare(root, files) : mode === 'plain' ? plain(root, files) : undefined;
  if (!result) throw new Error(`unknown mode ${mode}`);
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
