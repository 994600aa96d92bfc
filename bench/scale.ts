/**
 * Scale bench: one job of 1k, 10k and 100k generated files through the real CLI (`dist/cli.js`, the
 * production path) against the local emulator: submit --dry-run (collect + build + preview), submit,
 * status, list, results and savings. Each step runs in a fresh process whose wall time and peak RSS
 * (and, for the CLI, the peaks of V8's heap and of memory outside it) are measured (the dry run three times, alternating with its baseline, the fastest counting), next to a plain script doing the same work with nothing else (bench/support/
 * scaleBaseline.cjs), run the same way in the same run. A step whose time grows more than 12x for 10x
 * the rows is marked FAILED: that is how a quadratic path shows.
 *
 * The files are generated once into a folder of the system's temp dir (one per checkout) and reused; the job store and the
 * results are written under the tree's `.batchlens/` and removed after each size. Not under the checkout: its `.gitignore`
 * would apply to the tree as it does in any repository, and leave every file out.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileJobStore } from '../src/core/tracking/jobStore';
import { createEmulator } from '../test/emulator/emulator';
import { count, listOption, mb, printTable, ratio } from './support/report';
import { ensureSourceTree, selectionFor } from './support/sourceTree';

export const name = 'scale';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const RSS_PRELOAD = path.join(__dirname, 'support', 'peakRss.cjs');
const BASELINE = path.join(__dirname, 'support', 'scaleBaseline.cjs');
/** Generated once and reused, outside any repository (see above); named after the checkout so two checkouts never share a store. */
const TREE = path.join(os.tmpdir(), `batchlens-scale-tree-${createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}`);
const DEFAULT_SIZES = [1_000, 10_000, 100_000];
/** The most a step may grow for 10x the rows; more means something is worse than linear. */
const MAX_GROWTH = 12;
/** The emulator's batches end in (5 min + 2 s a row) / speed: a 100k-row batch in about 2 s. */
const EMULATOR_SPEED = 100_000;
const API_KEY = 'sk-ant-api03-scale-bench-key-0000000000000000';
/**
 * The dry run only reads the disk and sends nothing, so it is cheap to repeat: it runs this many
 * times, alternating with its baseline, and the fastest of each side counts (with the highest peak
 * RSS of its runs), which keeps a neighbour's burst of CPU on a shared machine out of the ratio.
 */
const DRY_RUN_REPEATS = 3;

type Step = 'submit --dry-run' | 'submit' | 'status' | 'list' | 'results' | 'savings';

interface Run {
  ms: number;
  peakRss: number;
  /** The CLI's V8 heap peaks (sampled; see support/peakRss.cjs); the plain scripts report none. */
  heap?: HeapPeaks;
  stdout: string;
}

interface HeapPeaks {
  heapReserved: number;
  heapUsed: number;
  external: number;
  /** The most the heap held right after a full collection (what the process keeps), null without one. */
  keptAfterFull: number | null;
  fullCollections: number;
}

interface Measured {
  step: Step;
  rows: number;
  ours: Run;
  baseline: Run;
}

/** Spawns `node <args>` in `cwd`; resolves with its wall time, its peak RSS and its stdout. */
function measure(args: string[], cwd: string, env: NodeJS.ProcessEnv, rssFromPreload: boolean): Promise<Run> {
  const rssFile = path.join(os.tmpdir(), `batchlens-scale-rss-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const nodeArgs = rssFromPreload ? ['--require', RSS_PRELOAD, ...args] : args;
  return new Promise<Run>((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, nodeArgs, { cwd, env: { ...env, BATCHLENS_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) {
        reject(new Error(`node ${args.slice(0, 4).join(' ')} ... exited with ${code}: ${stderr.trim().slice(-2000) || stdout.trim().slice(-2000)}`));
        return;
      }
      try {
        const { peakRss, heap } = rssFromPreload
          ? (JSON.parse(fs.readFileSync(rssFile, 'utf8')) as { peakRss: number; heap: HeapPeaks })
          : (JSON.parse(stdout.trim().split('\n').pop() ?? '') as { peakRss: number; heap?: undefined });
        resolve({ ms, peakRss, heap, stdout });
      } catch (error) {
        reject(new Error(`no peak RSS from node ${args.slice(0, 3).join(' ')}: ${String(error)}`));
      } finally {
        fs.rmSync(rssFile, { force: true });
      }
    });
  });
}

/** The faster of two runs of one step, with the higher peaks of the two. */
function fastestOf(best: Run | undefined, run: Run): Run {
  if (!best) return run;
  const faster = run.ms < best.ms ? run : best;
  const heap =
    best.heap && run.heap
      ? {
          heapReserved: Math.max(best.heap.heapReserved, run.heap.heapReserved),
          heapUsed: Math.max(best.heap.heapUsed, run.heap.heapUsed),
          external: Math.max(best.heap.external, run.heap.external),
          keptAfterFull: maxKnown(best.heap.keptAfterFull, run.heap.keptAfterFull),
          fullCollections: Math.max(best.heap.fullCollections, run.heap.fullCollections),
        }
      : faster.heap;
  return { ...faster, peakRss: Math.max(best.peakRss, run.peakRss), heap };
}

function maxKnown(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function lastJson<T>(stdout: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch {
    // Several JSON lines (a progress line, then the report): the last one is the report.
  }
  const lines = stdout.trim().split('\n');
  for (let index = lines.length - 1; index >= 0; index--) {
    if (lines[index].startsWith('{')) return JSON.parse(lines[index]) as T;
  }
  throw new Error(`no JSON in the output: ${stdout.slice(0, 500)}`);
}

async function waitForEnd(baseUrl: string, batchIds: string[]): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  for (const id of batchIds) {
    for (;;) {
      const response = await fetch(`${baseUrl}/v1/messages/batches/${id}`, { headers: { 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' } });
      const batch = (await response.json()) as { processing_status?: string };
      if (batch.processing_status === 'ended') break;
      if (Date.now() > deadline) throw new Error(`batch ${id} did not end within 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function sizesOption(): number[] {
  const sizes = listOption('--scale-sizes')?.map((size) => Number(size.replace(/_/g, '')));
  if (!sizes) return DEFAULT_SIZES;
  if (sizes.some((size) => !Number.isInteger(size) || size < 1_000 || size % 1_000 !== 0)) throw new Error('--scale-sizes takes multiples of 1000, e.g. 1000,10000');
  return sizes;
}

/**
 * Where a size's store and scratch folder go when it is done, removed only once every size is measured:
 * on a file system without a journal (ext4 here), creating a file near many files deleted in the last
 * seconds scans past each of them (`recently_deleted`), measured 4-8x slower, so deleting the previous
 * size's 10k outputs just before would slow whichever step creates files next to them.
 */
const TRASH = `${TREE}-trash`;

function discard(folder: string): void {
  if (!fs.existsSync(folder)) return;
  fs.mkdirSync(TRASH, { recursive: true });
  fs.renameSync(folder, path.join(TRASH, `${path.basename(folder)}-${process.pid}-${Math.random().toString(36).slice(2)}`));
}

async function runSize(rows: number, baseUrl: string): Promise<Measured[]> {
  const store = path.join(TREE, '.batchlens');
  discard(store);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-scale-'));
  const env = { ...process.env, ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: baseUrl };
  const folders = selectionFor(rows);
  const cli = (...args: string[]) => measure([CLI, ...args], TREE, env, true);
  const plain = (...args: string[]) => measure([BASELINE, ...args], TREE, env, false);
  const results: Measured[] = [];
  const record = (step: Step, ours: Run, baseline: Run) => {
    results.push({ step, rows, ours, baseline });
    console.log(`  ${count(rows)} rows · ${step}: ${(ours.ms / 1000).toFixed(2)} s, ${mb(ours.peakRss)} MB (plain script ${(baseline.ms / 1000).toFixed(2)} s, ${mb(baseline.peakRss)} MB)`);
  };
  try {
    let dryRun: Run | undefined;
    let plainPrepare: Run | undefined;
    for (let repeat = 0; repeat < DRY_RUN_REPEATS; repeat++) {
      const ours = await cli('batch', 'submit', ...folders, '--dry-run', '--json');
      const dryReport = lastJson<{ requests: number }>(ours.stdout);
      if (dryReport.requests !== rows) throw new Error(`dry run built ${dryReport.requests} requests, expected ${rows}`);
      dryRun = fastestOf(dryRun, ours);
      plainPrepare = fastestOf(plainPrepare, await plain('prepare', TREE, folders.join(',')));
    }
    record('submit --dry-run', dryRun!, plainPrepare!);

    const submitted = await cli('batch', 'submit', ...folders, '--yes', '--json');
    const { jobId } = lastJson<{ jobId: string }>(submitted.stdout);
    const plainSubmitted = await plain('submit', TREE, folders.join(','), baseUrl);
    record('submit', submitted, plainSubmitted);
    // The plain script's batches are not needed any more: canceled, the emulator spends no time producing their rows.
    const plainBatchIds = lastJson<{ batchIds: string[] }>(plainSubmitted.stdout).batchIds;
    for (const plainBatchId of plainBatchIds) {
      await fetch(`${baseUrl}/v1/messages/batches/${plainBatchId}/cancel`, { method: 'POST', headers: { 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' } });
    }

    // The store keeps a job as a header plus a rows log; the plain scripts read the whole job as one
    // JSON file (what a script keeping the job record would do), written here outside the timing.
    const jobFile = path.join(scratch, `${jobId}.json`);
    const wholeJob = async () => {
      const stored = await new FileJobStore(TREE).get(jobId);
      if (!stored) throw new Error(`no job ${jobId} in the store`);
      fs.writeFileSync(jobFile, JSON.stringify(stored));
      return stored;
    };
    const job = await wholeJob();
    const batchIds = job.batches.map((batch) => batch.batchId).filter((id): id is string => typeof id === 'string');
    // Waiting here also lets the emulator produce the rows now, so no later step pays for that.
    await waitForEnd(baseUrl, [...batchIds, ...plainBatchIds]);

    const status = await cli('batch', 'status', jobId, '--json');
    const statusReport = lastJson<{ counts?: { succeeded?: number } }>(status.stdout);
    if (statusReport.counts?.succeeded !== rows) throw new Error(`status counted ${JSON.stringify(statusReport.counts)}, expected ${rows} succeeded`);
    record('status', status, await plain('status', jobFile, baseUrl, batchIds[0]));

    const plainJobs = path.join(scratch, 'jobs');
    fs.mkdirSync(plainJobs, { recursive: true });
    fs.copyFileSync(jobFile, path.join(plainJobs, `${jobId}.json`));
    record('list', await cli('batch', 'list', '--json'), await plain('list', plainJobs));

    const downloaded = await cli('batch', 'results', jobId);
    const afterResults = await wholeJob();
    if (Object.keys(afterResults.rows).length !== rows) throw new Error(`results recorded ${Object.keys(afterResults.rows).length} rows, expected ${rows}`);
    // Every batch of the job, each row to the file the CLI writes for it (a 100k-row job is two batches).
    record('results', downloaded, await plain('results', baseUrl, batchIds.join(','), path.join(scratch, 'results'), jobFile));

    record('savings', await cli('batch', 'savings', jobId, '--json'), await plain('savings', jobFile));
    return results;
  } finally {
    discard(store);
    discard(scratch);
  }
}

export async function run(): Promise<unknown> {
  if (!fs.existsSync(CLI) || !fs.existsSync(path.join(ROOT, 'dist', 'anthropic-sdk.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const sizes = sizesOption();
  const generateStart = performance.now();
  const tree = ensureSourceTree(TREE, Math.max(...sizes));
  console.log(
    `Scale bench: ${count(tree.files)} generated files (${mb(tree.bytes)} MB) in ${path.relative(ROOT, TREE)}` +
      (tree.generatedNow ? `, generated in ${((performance.now() - generateStart) / 1000).toFixed(0)} s (kept for the next run)` : ' (reused)') +
      `; the CLI and the plain scripts each run in a fresh process against the emulator (speed ${count(EMULATOR_SPEED)}x)`,
  );
  const emulator = await createEmulator({ port: 0, speed: EMULATOR_SPEED });
  const measured: Measured[] = [];
  try {
    for (const rows of sizes) measured.push(...(await runSize(rows, emulator.url)));
  } finally {
    await emulator.close();
    fs.rmSync(TRASH, { recursive: true, force: true });
  }

  const steps: Step[] = ['submit --dry-run', 'submit', 'status', 'list', 'results', 'savings'];
  const failures: string[] = [];
  const table: string[][] = [];
  const heapTable: string[][] = [];
  const summary: Record<string, unknown>[] = [];
  for (const step of steps) {
    let previous: Measured | undefined;
    for (const entry of measured.filter((candidate) => candidate.step === step)) {
      const growth = previous && entry.rows === previous.rows * 10 ? entry.ours.ms / previous.ours.ms : undefined;
      const failed = growth !== undefined && growth > MAX_GROWTH;
      if (failed) failures.push(`${step} ${count(previous?.rows ?? 0)} -> ${count(entry.rows)} rows grew ${growth?.toFixed(1)}x`);
      table.push([
        step,
        count(entry.rows),
        (entry.ours.ms / 1000).toFixed(2),
        (entry.baseline.ms / 1000).toFixed(2),
        ratio(entry.ours.ms, entry.baseline.ms),
        mb(entry.ours.peakRss),
        mb(entry.baseline.peakRss),
        ratio(entry.ours.peakRss, entry.baseline.peakRss),
        growth === undefined ? '' : `${growth.toFixed(1)}x${failed ? ' FAILED' : ''}`,
      ]);
      const heap = entry.ours.heap;
      heapTable.push([
        step,
        count(entry.rows),
        mb(entry.ours.peakRss),
        heap ? mb(heap.heapReserved) : '-',
        heap ? mb(heap.heapUsed) : '-',
        heap ? mb(heap.external) : '-',
        heap?.keptAfterFull != null ? `${mb(heap.keptAfterFull)} (${heap.fullCollections})` : 'no full collection',
      ]);
      summary.push({
        step,
        rows: entry.rows,
        ms: entry.ours.ms,
        baselineMs: entry.baseline.ms,
        timeRatio: entry.ours.ms / entry.baseline.ms,
        peakRssBytes: entry.ours.peakRss,
        baselinePeakRssBytes: entry.baseline.peakRss,
        rssRatio: entry.ours.peakRss / entry.baseline.peakRss,
        heapPeakBytes: heap ? { reserved: heap.heapReserved, used: heap.heapUsed, external: heap.external } : null,
        keptAfterFullCollectionBytes: heap?.keptAfterFull ?? null,
        fullCollections: heap?.fullCollections ?? null,
        growthVsTenthRows: growth ?? null,
        growthFailed: failed,
      });
      previous = entry;
    }
  }
  printTable(
    `Scale: one job through the CLI against the emulator (s, peak RSS MB; ratios = Batchlens / a plain script doing the same work, same run; growth = time / the same step at a tenth of the rows, FAILED above ${MAX_GROWTH}x)`,
    ['step', 'rows', 's', 'plain s', 'time ratio', 'RSS MB', 'plain MB', 'RSS ratio', 'growth'],
    table,
  );
  printTable(
    "The CLI's memory by kind (MB; peaks of V8's heap reserved and in use, and of memory outside it, sampled every 100 ms and at exit; kept: the most the heap held right after a full collection, and how many full collections ran)",
    ['step', 'rows', 'peak RSS', 'heap reserved', 'heap used', 'external', 'kept (full GCs)'],
    heapTable,
  );
  console.log(failures.length > 0 ? `  FAILED growth: ${failures.join('; ')}` : `  every step grew at most ${MAX_GROWTH}x for 10x the rows`);
  if (failures.length > 0) process.exitCode = 1;
  return { generatedAt: new Date().toISOString(), node: process.version, cpus: os.cpus().length, files: tree.files, treeBytes: tree.bytes, maxGrowth: MAX_GROWTH, steps: summary, failures };
}

// `npx tsx bench/scale.ts [--scale-sizes 1000,10000]` runs this bench alone without writing bench-results/.
if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
