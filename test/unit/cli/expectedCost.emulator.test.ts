import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { FileJobStore } from '../../../src/core/tracking/jobStore';
import { computeJobSavings } from '../../../src/core/tracking/savings';
import { createEmulator, type Emulator } from '../../emulator/emulator';
import { recordingIo } from '../support/recordingIo';

/** The demo's own workspace (what `npm run demo` opens). */
const DEMO_WORKSPACE = path.resolve(__dirname, '../../fixtures/workspace');

async function copyDemoWorkspace(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-expected-'));
  await fs.cp(DEMO_WORKSPACE, root, { recursive: true });
  return root;
}

async function cli(root: string, emulator: Emulator, argv: string[]): Promise<{ code: number; err: string; json: () => { jobId: string } }> {
  const io = recordingIo(root, { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: emulator.url });
  const code = await runCli(argv, io);
  return { code, err: io.err, json: () => JSON.parse(io.out) };
}

/** Submits `paths` through `template`, waits for the batch to end and downloads its results. */
async function runJob(root: string, emulator: Emulator, template: string, paths: string[]): Promise<string> {
  const submitted = await cli(root, emulator, ['batch', 'submit', ...paths, '--template', template, '--yes', '--json']);
  assert.equal(submitted.code, 0, submitted.err);
  const { jobId } = submitted.json();
  const status = await cli(root, emulator, ['batch', 'status', jobId, '--wait', '--json', '--interval-ms', '50']);
  assert.equal(status.code, 0, status.err);
  const results = await cli(root, emulator, ['batch', 'results', jobId, '--json']);
  assert.equal(results.code, 0, results.err);
  return jobId;
}

describe('expected cost against the actual cost of demo jobs (emulator)', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let root: string;

  beforeEach(async () => {
    emulator = await createEmulator({ speed: 3000 });
    root = await copyDemoWorkspace();
  });

  afterEach(async () => {
    await emulator.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  for (const template of ['summarize', 'review']) {
    it(`${template}: the second job's expected cost, from the first job's output, is within 25% of what it cost`, async () => {
      const store = new FileJobStore(root);
      const firstId = await runJob(root, emulator, template, ['docs']);
      const first = (await store.get(firstId))!;
      assert.equal(first.estimate.expectedBasis, 'ratio', 'no history before the first job');

      const secondId = await runJob(root, emulator, template, ['batch-inputs/mixed', 'src']);
      const second = (await store.get(secondId))!;
      assert.equal(second.estimate.expectedBasis, 'history');
      const actual = computeJobSavings(second).actualUsd;
      const expected = second.estimate.expectedBatchUsd!;
      assert.ok(actual > 0 && expected > 0);
      const error = Math.abs(expected - actual) / actual;
      assert.ok(error <= 0.25, `expected ${expected} vs actual ${actual}: ${(error * 100).toFixed(1)}% off`);
      // The ceiling (every row at max_tokens) is far above both: it is not the estimate.
      assert.ok(second.estimate.batchUsd > 2 * actual, `ceiling ${second.estimate.batchUsd} vs actual ${actual}`);
    });
  }
});
