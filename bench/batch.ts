/**
 * Batch bench: request building for 1k / 10k / 100k generated files through the real pipeline
 * (`prepareJob`: collect, build, custom ids, split, cost preview), each size in a fresh process for
 * its peak RSS, against JSON.stringify of the same create bodies (time) and a naive read-everything-
 * and-stringify process (peak RSS); then the file-collection rate against bare walks of the same tree.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { collectFiles } from '../src/core/batch/collectFiles';
import { count, listOption, mb, median, ms, printTable, ratio, runChild } from './support/report';
import { defaultTreeRoot, ensureSourceTree, selectionFor } from './support/sourceTree';

export const name = 'batch';

const DEFAULT_SIZES = [1_000, 10_000, 100_000];
const COLLECTION_RATE_FILES = 10_000;
const CHILD = path.join(__dirname, 'support', 'batchChild.ts');

interface PrepareResult {
  prepareMs: number;
  stringifyMs: number;
  startRss: number;
  peakRss: number;
  requests: number;
  batches: number;
  bodyBytes: number;
}

interface PlainResult {
  totalMs: number;
  readMs: number;
  stringifyMs: number;
  startRss: number;
  peakRss: number;
  bodyBytes: number;
}

/** `--batch-sizes 1000,10000` narrows the run while iterating (multiples of 1,000). */
function sizesOption(): number[] {
  const sizes = listOption('--batch-sizes')?.map((size) => Number(size.replace(/_/g, '')));
  if (!sizes) return DEFAULT_SIZES;
  if (sizes.some((size) => !Number.isInteger(size) || size < 1_000 || size % 1_000 !== 0)) throw new Error('--batch-sizes takes multiples of 1000, e.g. 1000,10000');
  return sizes;
}

export async function run(): Promise<unknown> {
  const sizes = sizesOption();
  const root = defaultTreeRoot();
  const generateStart = performance.now();
  const tree = ensureSourceTree(root, Math.max(...sizes, COLLECTION_RATE_FILES));
  console.log(
    `Batch bench: ${count(tree.files)} generated .ts files (${mb(tree.bytes)} MB, ~${(tree.bytes / tree.files / 1024).toFixed(1)} KB each) in ${root}` +
      (tree.generatedNow ? `, generated in ${ms((performance.now() - generateStart) / 1000)} s (kept for the next run)` : ' (reused)'),
  );

  const rows: Record<string, unknown>[] = [];
  const cells: string[][] = [];
  for (const files of sizes) {
    const ours = await runChild<PrepareResult>(CHILD, ['prepare', root, String(files)]);
    const plain = await runChild<PlainResult>(CHILD, ['plain', root, String(files)]);
    const row = {
      files,
      requests: ours.requests,
      batches: ours.batches,
      bodyMB: ours.bodyBytes / 1024 / 1024,
      prepareMs: ours.prepareMs,
      stringifySamePayloadMs: ours.stringifyMs,
      timeRatio: ours.prepareMs / ours.stringifyMs,
      naiveReadAndStringifyMs: plain.totalMs,
      timeRatioVsNaive: ours.prepareMs / plain.totalMs,
      peakRssBytes: ours.peakRss,
      processStartRssBytes: ours.startRss,
      naivePeakRssBytes: plain.peakRss,
      rssRatio: ours.peakRss / plain.peakRss,
      filesPerSecond: files / (ours.prepareMs / 1000),
    };
    rows.push(row);
    cells.push([
      count(files),
      count(ours.batches),
      mb(ours.bodyBytes),
      ms(ours.prepareMs),
      ms(ours.stringifyMs),
      ratio(ours.prepareMs, ours.stringifyMs),
      ms(plain.totalMs),
      ratio(ours.prepareMs, plain.totalMs),
      mb(ours.peakRss),
      mb(plain.peakRss),
      ratio(ours.peakRss, plain.peakRss),
    ]);
  }
  printTable(
    'Request building (ms, MB; prepare = collect + build + ids + split + preview; baselines measured in the same run)',
    ['files', 'batches', 'body MB', 'prepare', 'stringify', 'ratio', 'naive', 'ratio', 'peak RSS', 'naive RSS', 'RSS ratio'],
    cells,
  );
  console.log('  stringify = JSON.stringify of the same create bodies; naive = bare walk + readFileSync + one JSON.stringify, own process');

  const collection = await collectionRate(root, COLLECTION_RATE_FILES);
  printTable(
    `File collection over ${count(COLLECTION_RATE_FILES)} files (warm page cache; collectFiles one pass, bare walks median of 3)`,
    ['walk', 'ms', 'files/s', 'ratio'],
    [
      ['collectFiles', ms(collection.collectMs), count(collection.collectRate), '1.00x'],
      ['bare readdir walk', ms(collection.readdirMs), count(collection.readdirRate), ratio(collection.collectMs, collection.readdirMs)],
      ['readdir + readFile walk', ms(collection.readMs), count(collection.readRate), ratio(collection.collectMs, collection.readMs)],
    ],
  );
  console.log('  ratio = collectFiles time / baseline time');
  return { generatedAt: new Date().toISOString(), node: process.version, treeRoot: root, averageFileBytes: tree.bytes / tree.files, building: rows, collection };
}

async function collectionRate(root: string, files: number) {
  const selection = selectionFor(files);
  const collectSamples: number[] = [];
  const readdirSamples: number[] = [];
  const readSamples: number[] = [];
  // collectFiles takes seconds per pass: one pass (the page cache is warm from the runs above); the cheap walks take the median of three.
  for (let round = 0; round < 3; round++) {
    let start = performance.now();
    if (round === 0) {
      let accepted = 0;
      for await (const event of collectFiles({ root, selection, maxFileBytes: 1_000_000 })) if (event.type === 'file') accepted++;
      collectSamples.push(performance.now() - start);
      if (accepted < files) throw new Error(`collectFiles accepted ${accepted} of ${files} files`);
    }

    start = performance.now();
    let listed = 0;
    for (const folder of selection) listed += await bareWalk(path.join(root, folder), false);
    readdirSamples.push(performance.now() - start);

    start = performance.now();
    for (const folder of selection) await bareWalk(path.join(root, folder), true);
    readSamples.push(performance.now() - start);
    if (listed < files) throw new Error(`the bare walk listed ${listed} of ${files} files`);
  }
  const collectMs = median(collectSamples);
  const readdirMs = median(readdirSamples);
  const readMs = median(readSamples);
  return {
    files,
    collectMs,
    collectRate: files / (collectMs / 1000),
    readdirMs,
    readdirRate: files / (readdirMs / 1000),
    readMs,
    readRate: files / (readMs / 1000),
  };
}

/** Recursive `fs.promises.readdir`, one folder at a time; with `read`, each file is read too (serially). */
async function bareWalk(dir: string, read: boolean): Promise<number> {
  let files = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) files += await bareWalk(child, read);
    else if (entry.isFile()) {
      if (read) await fs.readFile(child);
      files++;
    }
  }
  return files;
}

// `npx tsx bench/batch.ts --batch-sizes 1000,10000` runs this bench alone without writing bench-results/.
if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
