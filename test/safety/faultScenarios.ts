import { createServer } from 'node:net';
import { FileJobStore } from '../../src/core/tracking/jobStore';
import type { ProxyFault } from '../emulator/faultProxy';
import { type CliRun, type Damage, type Rig, cli, createRig, endAll, firstLine, measureDamage } from './harness';

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

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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
