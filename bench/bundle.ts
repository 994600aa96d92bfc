/**
 * Bundle bench: sizes of the production bundles, the tree-sitter files and the .vsix after
 * `npm run package`, against a floor bundle of `@anthropic-ai/sdk` alone built with the same esbuild
 * settings; and activation cost: requiring the production `dist/extension.js` in plain Node with a
 * fake `vscode` module and calling `activate()` with a fake ExtensionContext, against requiring an
 * empty module and the SDK floor bundle. Each require runs in a fresh process. The activation figure
 * is wall time from the `require` to `activate()`'s result resolved, median of the runs, judged
 * against the goal (ACTIVATION_GOAL_MS); the probe also lists the files beside the bundle that
 * activation loaded (lazy chunks, grammars), which must be none. The development build
 * (`npm run build`) is restored at the end, as other work expects it in dist/.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { kb, median, ms, printTable, ratio, runChild } from './support/report';

export const name = 'bundle';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LAZY_CHUNKS } = require('../scripts/lazy-chunks.cjs') as { LAZY_CHUNKS: { file: string }[] };

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const VSIX = path.join(ROOT, 'batchlens.vsix');
const PROBE = path.join(__dirname, 'support', 'activationProbe.cjs');
const ACTIVATION_RUNS = 15;
/** Issue 14: the editor must not wait on Batchlens at startup. */
const ACTIVATION_GOAL_MS = 20;

interface ProbeResult {
  requireMs: number;
  activateMs: number;
  /** From the require to activate()'s result resolved. */
  totalMs: number;
  requireCpuMs: number;
  activateCpuMs: number;
  touched: string[];
  /** Files beside the bundle that activation required or read. */
  loaded?: string[];
}

interface SizeRow {
  file: string;
  bytes: number;
  gzipBytes: number;
}

function sizeOf(file: string): SizeRow {
  const bytes = fs.readFileSync(file);
  return { file: path.relative(ROOT, file), bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

/** `npm run package` (production build + vsce); falls back to the production build alone when packaging fails. */
function buildProduction(): { vsix: boolean; note?: string } {
  try {
    execFileSync('npm', ['run', 'package'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    return { vsix: fs.existsSync(VSIX) };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' ') ?? String(error);
    execFileSync(process.execPath, ['esbuild.js', '--production'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    return { vsix: false, note: `npm run package failed, .vsix size skipped: ${stderr}` };
  }
}

/** The floor: the one runtime dependency every API feature needs, bundled and minified the same way. */
async function sdkFloorBundle(dir: string): Promise<string> {
  const outfile = path.join(dir, 'sdk-floor.js');
  await esbuild.build({
    stdin: { contents: "module.exports = require('@anthropic-ai/sdk');", resolveDir: ROOT, loader: 'js' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

export async function run(): Promise<unknown> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-bench-bundle-'));
  try {
    const built = buildProduction();
    const floor = await sdkFloorBundle(scratch);
    const floorSize = sizeOf(floor);
    const bundles = [sizeOf(path.join(DIST, 'extension.js')), sizeOf(path.join(DIST, 'cli.js'))];
    // The lazy chunks esbuild.js puts beside the bundles, loaded on first use (scripts/lazy-chunks.cjs).
    const chunks = LAZY_CHUNKS.map((chunk) => sizeOf(path.join(DIST, chunk.file)));
    const wasm = fs
      .readdirSync(path.join(DIST, 'wasm'))
      .sort()
      .map((file) => sizeOf(path.join(DIST, 'wasm', file)));
    const wasmTotal = { file: 'dist/wasm/ (total)', bytes: wasm.reduce((sum, row) => sum + row.bytes, 0), gzipBytes: wasm.reduce((sum, row) => sum + row.gzipBytes, 0) };
    const vsix = built.vsix ? { file: 'batchlens.vsix', bytes: fs.statSync(VSIX).size, gzipBytes: fs.statSync(VSIX).size } : undefined;

    const sizeCells = (row: SizeRow, baseline?: SizeRow) => [row.file, kb(row.bytes), kb(row.gzipBytes), baseline ? ratio(row.bytes, baseline.bytes) : ''];
    printTable(
      'Bundle sizes (KB; production build from `npm run package`; ratio = size / the SDK-only floor bundle)',
      ['file', 'KB', 'gzip KB', 'ratio'],
      [
        sizeCells({ ...floorSize, file: 'floor: @anthropic-ai/sdk alone' }, floorSize),
        ...bundles.map((row) => sizeCells(row, floorSize)),
        ...chunks.map((row) => sizeCells({ ...row, file: `${row.file} (loaded on first use)` }, floorSize)),
        ...wasm.map((row) => sizeCells(row)),
        sizeCells(wasmTotal),
        vsix ? [vsix.file, kb(vsix.bytes), '(zip)', ''] : ['batchlens.vsix', 'skipped', '', ''],
      ],
    );
    if (built.note) console.log(`  ${built.note}`);

    const workspace = path.join(scratch, 'workspace');
    fs.mkdirSync(workspace);
    const empty = path.join(scratch, 'empty.js');
    fs.writeFileSync(empty, '');
    const extension = path.join(DIST, 'extension.js');
    const samples: Record<'extension' | 'floor' | 'empty', ProbeResult[]> = { extension: [], floor: [], empty: [] };
    // Interleaved so machine noise hits every variant alike.
    for (let index = 0; index < ACTIVATION_RUNS; index++) {
      samples.extension.push(await runChild<ProbeResult>(PROBE, [extension, workspace], { typescript: false }));
      samples.floor.push(await runChild<ProbeResult>(PROBE, ['--empty', floor], { typescript: false }));
      samples.empty.push(await runChild<ProbeResult>(PROBE, ['--empty', empty], { typescript: false }));
    }
    const requireMs = median(samples.extension.map((sample) => sample.requireMs));
    const activateMs = median(samples.extension.map((sample) => sample.activateMs));
    const totalMs = median(samples.extension.map((sample) => sample.totalMs));
    const totalCpuMs = median(samples.extension.map((sample) => sample.requireCpuMs + sample.activateCpuMs));
    const floorMs = median(samples.floor.map((sample) => sample.requireMs));
    const emptyMs = median(samples.empty.map((sample) => sample.requireMs));
    const fastestMs = Math.min(...samples.extension.map((sample) => sample.totalMs));
    const meetsGoal = totalMs <= ACTIVATION_GOAL_MS;
    printTable(
      `Activation (ms, median of ${ACTIVATION_RUNS} fresh processes; fake vscode + ExtensionContext, a workspace folder open)`,
      ['step', 'ms', 'vs empty', 'vs SDK floor'],
      [
        ['require dist/extension.js', ms(requireMs), ratio(requireMs, emptyMs), ratio(requireMs, floorMs)],
        ['activate() to resolved', ms(activateMs), '', ''],
        ['require to activate() resolved (wall)', ms(totalMs), ratio(totalMs, emptyMs), ratio(totalMs, floorMs)],
        ['  the same, CPU time', ms(totalCpuMs), '', ''],
        ['  the same, fastest run (wall)', ms(fastestMs), '', ''],
        ['baseline: require SDK floor bundle', ms(floorMs), ratio(floorMs, emptyMs), '1.00x'],
        ['baseline: require an empty module', ms(emptyMs), '1.00x', ''],
      ],
    );
    console.log(`  goal: require to activate() resolved <= ${ACTIVATION_GOAL_MS} ms (median wall): ${meetsGoal ? 'MET' : 'NOT MET'} (${ms(totalMs)} ms; CPU ${ms(totalCpuMs)} ms, ${totalCpuMs <= ACTIVATION_GOAL_MS ? 'within' : 'over'} the goal; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
    const eager = [...new Set(samples.extension.flatMap((sample) => sample.loaded ?? []))].sort();
    console.log(`  files beside the bundle loaded by activation (lazy chunks, grammars): ${eager.length === 0 ? 'none' : `${eager.join(', ')} (FAIL: these should load on first use)`}`);
    console.log(`  activate() used ${samples.extension[0].touched.length} vscode / context members, all faked: ${samples.extension[0].touched.join(', ')}`);

    return {
      generatedAt: new Date().toISOString(),
      node: process.version,
      sizes: { floor: floorSize, bundles, chunks, wasm, wasmTotal, vsix: vsix ?? null, note: built.note ?? null },
      activation: { runs: ACTIVATION_RUNS, requireMs, activateMs, totalMs, totalCpuMs, fastestMs, loadAverage: os.loadavg()[0], goalMs: ACTIVATION_GOAL_MS, meetsGoal, ratioToEmpty: totalMs / emptyMs, emptyRequireMs: emptyMs, sdkFloorRequireMs: floorMs, eagerlyLoaded: eager, touched: samples.extension[0].touched },
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

// `npx tsx bench/bundle.ts` runs this bench alone without writing bench-results/.
if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
