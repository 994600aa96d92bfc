import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileJobStore } from '../../src/core/tracking/jobStore';
import type { ProxyFault } from '../emulator/faultProxy';
import { type CliRun, type Damage, type Rig, TEST_KEY, cli, closedPort, createRig, emulatorBatches, endAll, firstLine, measureDamage } from './harness';

const CREATE: Pick<ProxyFault, 'method' | 'path'> = { method: 'POST', path: '/v1/messages/batches' };
const DOWNLOAD: Pick<ProxyFault, 'method' | 'path'> = { method: 'GET', path: '/v1/messages/batches/*/results' };
const LIST: Pick<ProxyFault, 'method' | 'path'> = { method: 'GET', path: '/v1/messages/batches' };

export interface ScenarioResult {
  fault: string;
  operation: string;
  /** The first line the faulted command printed on stderr. */
  message: string;
  exitCode: number;
  damage: Damage;
  /** Expectations that did not hold (empty when the scenario behaved). */
  problems: string[];
}

interface Scenario {
  fault: string;
  operation: string;
  run(rig: Rig, check: (ok: boolean, what: string) => void): Promise<CliRun>;
}

async function jobIds(rig: Rig): Promise<string[]> {
  return (await new FileJobStore(rig.root).list()).map((job) => job.id);
}

/** What the user does next: look (reconcile), let the batches end, download every job. */
async function recover(rig: Rig, check: (ok: boolean, what: string) => void): Promise<void> {
  rig.proxy.setFaults([]);
  await cli(rig, ['batch', 'list']);
  await endAll(rig.emulator);
  for (const jobId of await jobIds(rig)) {
    const results = await cli(rig, ['batch', 'results', jobId]);
    const job = await new FileJobStore(rig.root).get(jobId);
    const sent = job?.batches.some((record) => record.batchId);
    check(!sent || results.code === 0, `results of ${jobId} after recovery exit ${results.code}: ${firstLine(results.err)}`);
  }
}

/** A create whose answer was lost after the emulator made the batch: tell the user not to resubmit, refuse a re-run, recover the id. */
function lostCreate(fault: string, proxyFault: ProxyFault): Scenario {
  return {
    fault,
    operation: 'batch submit',
    async run(rig, check) {
      rig.proxy.setFaults([proxyFault]);
      const submit = await cli(rig, ['batch', 'submit', 'src', '--yes']);
      check(submit.code === 1, `submit exit ${submit.code}`);
      check(/do not resubmit; Batchlens will find the batch/.test(submit.err), `submit message: ${firstLine(submit.err)}`);
      rig.proxy.setFaults([]);
      const again = await cli(rig, ['batch', 'submit', 'src', '--yes']);
      check(again.code === 1 && /already in flight/.test(again.err), `re-run refused: exit ${again.code}, ${firstLine(again.err)}`);
      await recover(rig, check);
      return submit;
    },
  };
}

/** A create that provably never reached the API: "not sent" at once, and a re-run sends it once. */
function unsentCreate(fault: string, setUp: (rig: Rig) => Promise<Record<string, string>>, pattern: RegExp): Scenario {
  return {
    fault,
    operation: 'batch submit',
    async run(rig, check) {
      const env = await setUp(rig);
      const submit = await cli(rig, ['batch', 'submit', 'src', '--yes'], env);
      check(submit.code === 1, `submit exit ${submit.code}`);
      check(pattern.test(submit.err), `submit message: ${firstLine(submit.err)}`);
      const [job] = await new FileJobStore(rig.root).list();
      check(job?.batches.every((record) => record.notSubmitted === true) ?? false, 'the record is marked not submitted at once (no waiting window)');
      rig.proxy.setFaults([]);
      const again = await cli(rig, ['batch', 'submit', 'src', '--yes']);
      check(again.code === 0, `re-run sends: exit ${again.code} ${firstLine(again.err)}`);
      await recover(rig, check);
      return submit;
    },
  };
}

/** A results download hit by `proxyFault`; `times` says how often. The job must never claim to be complete when it is not. */
function faultedDownload(fault: string, proxyFault: ProxyFault, expectExit: number, pattern: RegExp): Scenario {
  return {
    fault,
    operation: 'batch results',
    async run(rig, check) {
      const submit = await cli(rig, ['batch', 'submit', 'src', '--yes']);
      check(submit.code === 0, `submit exit ${submit.code}`);
      await endAll(rig.emulator);
      const [jobId] = await jobIds(rig);
      rig.proxy.setFaults([proxyFault]);
      const results = await cli(rig, ['batch', 'results', jobId]);
      check(results.code === expectExit, `results exit ${results.code} (expected ${expectExit}): ${firstLine(results.err)}`);
      check(pattern.test(results.err + results.out), `results message: ${firstLine(results.err) || firstLine(results.out)}`);
      const job = await new FileJobStore(rig.root).get(jobId);
      const complete = job?.batches.every((record) => record.resultsComplete) ?? false;
      const rows = Object.keys(job?.rows ?? {}).length;
      check(complete === (rows === rig.files.length), `resultsComplete=${complete} with ${rows} of ${rig.files.length} rows`);
      await recover(rig, check);
      return results;
    },
  };
}

const REPO = path.resolve(__dirname, '..', '..');

/**
 * Runs the CLI as a child process (see crashingCli.ts); `killWhen` is polled every 25 ms and the
 * child is killed with SIGKILL once it holds. Resolves with how the child ended.
 */
async function childCli(rig: Rig, argv: string[], killAt?: string, killWhen?: () => Promise<boolean>): Promise<CliRun & { signal: string | null }> {
  const loader = pathToFileURL(path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', loader, path.join(REPO, 'test', 'safety', 'crashingCli.ts'), ...argv], {
    cwd: rig.root,
    env: { ...process.env, ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: rig.proxy.url, BATCHLENS_TIMEOUT_SECONDS: '30', ...(killAt ? { BATCHLENS_KILL_AT: killAt } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exited = false;
  void ended.then(() => (exited = true));
  if (killWhen) {
    const deadline = Date.now() + 30_000;
    while (!exited && Date.now() < deadline && !(await killWhen())) await new Promise((resolve) => setTimeout(resolve, 25));
    if (!exited) child.kill('SIGKILL');
  }
  const { code, signal } = await ended;
  return { code: code ?? 137, out, err, signal };
}

/** kill -9 at a named point, then the next commands recover: nothing lost, nothing sent twice. */
function killScenario(point: string, operation: string, run: (rig: Rig, check: (ok: boolean, what: string) => void) => Promise<CliRun & { signal: string | null }>): Scenario {
  return {
    fault: `kill -9 ${point}`,
    operation,
    async run(rig, check) {
      const killed = await run(rig, check);
      check(killed.signal === 'SIGKILL', `the child died by SIGKILL (got ${killed.signal}, exit ${killed.code}: ${firstLine(killed.err)})`);
      const again = await cli(rig, ['batch', 'submit', 'src', '--yes']);
      check(again.code === 1 && /already in flight/.test(again.err), `re-run after the kill is refused: exit ${again.code}, ${firstLine(again.err)}`);
      await recover(rig, check);
      return { code: 137, out: '', err: `killed (SIGKILL) ${point}; ${firstLine(again.err)}` };
    },
  };
}

export const FAULT_SCENARIOS: Scenario[] = [
  lostCreate('answer lost after the batch was made', { ...CREATE, kind: 'lose_answer', times: 1 }),
  lostCreate('gateway 504 after the batch was made', { ...CREATE, kind: 'gateway_error', status: 504, times: 1 }),
  lostCreate('API processes, never answers (hang)', { ...CREATE, kind: 'hang', times: 1 }),
  unsentCreate('connection refused (wrong port)', async () => ({ ANTHROPIC_BASE_URL: `http://127.0.0.1:${await closedPort()}` }), /Nothing was sent: the connection was refused/),
  unsentCreate('unknown host (DNS failure)', async () => ({ ANTHROPIC_BASE_URL: 'http://batchlens-no-such-host.invalid' }), /Nothing was sent: the host name does not resolve/),
  unsentCreate('non-Anthropic server answers 501', async (rig) => {
    rig.proxy.setFaults([{ ...CREATE, kind: 'foreign', status: 501, times: 1 }]);
    return {};
  }, /is not the Anthropic API: nothing was sent/),
  faultedDownload('stream ends cleanly after 1 line (once)', { ...DOWNLOAD, kind: 'end_early', afterLines: 1, times: 1 }, 0, /new or changed output files/),
  faultedDownload('stream ends cleanly after 1 line (always)', { ...DOWNLOAD, kind: 'end_early', afterLines: 1 }, 1, /results incomplete: 1 of \d+ rows/),
  faultedDownload('download answer lost', { ...DOWNLOAD, kind: 'lose_answer' }, 1, /download stopped/),
  faultedDownload('download never answers (hang)', { ...DOWNLOAD, kind: 'hang' }, 1, /download stopped/),
  killScenario('right after create returned, before its id was saved', 'batch submit', (rig) => childCli(rig, ['batch', 'submit', 'src', '--yes'], 'after-create')),
  killScenario('while the create is in flight (processed, unanswered)', 'batch submit', (rig) => {
    rig.proxy.setFaults([{ ...CREATE, kind: 'hang', times: 1 }]);
    return childCli(rig, ['batch', 'submit', 'src', '--yes'], undefined, async () => (await emulatorBatches(rig.emulator)).length > 0);
  }),
  {
    fault: 'kill -9 mid-download (after 1 line)',
    operation: 'batch results',
    async run(rig, check) {
      const submit = await cli(rig, ['batch', 'submit', 'src', '--yes']);
      check(submit.code === 0, `submit exit ${submit.code}`);
      await endAll(rig.emulator);
      const [jobId] = await jobIds(rig);
      rig.proxy.setFaults([{ ...DOWNLOAD, kind: 'stall', afterLines: 1, times: 1 }]);
      const started = Date.now();
      const killed = await childCli(rig, ['batch', 'results', jobId], undefined, async () => rig.proxy.hits()[0] > 0 && Date.now() - started > 1_500);
      check(killed.signal === 'SIGKILL', `the child died by SIGKILL (got ${killed.signal})`);
      await recover(rig, check);
      return { code: 137, out: '', err: 'killed (SIGKILL) mid-download; the next `batch results` resumed' };
    },
  },
  {
    fault: 'list endpoint hangs with an intent open',
    operation: 'batch list',
    async run(rig, check) {
      rig.proxy.setFaults([{ ...CREATE, kind: 'hang', times: 1 }]);
      await cli(rig, ['batch', 'submit', 'src', '--yes']);
      rig.proxy.setFaults([{ ...LIST, kind: 'hang' }]);
      const started = Date.now();
      const list = await cli(rig, ['batch', 'list']);
      check(list.code === 0 && /submitting/.test(list.out), `list shows the store: exit ${list.code}: ${firstLine(list.out)}`);
      check(Date.now() - started < 5_000, `list returned in ${Date.now() - started} ms`);
      check(/could not check interrupted submissions/.test(list.err), `list says why: ${firstLine(list.err)}`);
      await recover(rig, check);
      return list;
    },
  },
];

/** Runs every scenario on a fresh emulator, proxy and workspace, a few at a time; one row per scenario, in order. */
export async function runFaultScenarios(only?: (scenario: Scenario) => boolean, parallel = 4): Promise<ScenarioResult[]> {
  const chosen = FAULT_SCENARIOS.filter(only ?? (() => true));
  const rows: ScenarioResult[] = new Array(chosen.length);
  let next = 0;
  const worker = async () => {
    while (next < chosen.length) {
      const index = next++;
      rows[index] = await runScenario(chosen[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, chosen.length) }, worker));
  return rows;
}

async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const rig = await createRig();
  const problems: string[] = [];
  try {
    const run = await scenario.run(rig, (ok, what) => {
      if (!ok) problems.push(what);
    });
    const damage = await measureDamage(rig);
    return { fault: scenario.fault, operation: scenario.operation, message: commandMessage(run), exitCode: run.code, damage, problems };
  } finally {
    await rig.close();
  }
}

/** The command's own words: its `batchlens batch ...:` line, else its first line that is neither a log line nor progress. */
export function commandMessage(run: CliRun): string {
  const lines = `${run.err}\n${run.out}`.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.find((line) => /^batchlens batch \w+: /.test(line))
    ?? lines.find((line) => !line.startsWith('[') && !line.startsWith('batchlens: still waiting'))
    ?? '';
}
