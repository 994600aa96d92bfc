/**
 * Poller bench: API calls the real Poller makes per batch per hour, on simulated time with a counting
 * fake API, for batches that take 1 h and 24 h, while idle, and through a 429 storm; against a naive
 * loop that calls `retrieve` every 5 seconds (720 calls an hour), run on the same fake API and clock.
 */
import { Poller } from '../src/core/tracking/poller';
import { silentLogger } from '../src/core/util/logger';
import { count, printTable, ratio } from './support/report';
import { CountingBatchApi, JumpingClock, MemoryJobStore, type RateLimitStorm, START_MS, runningJob } from './support/pollerFakes';

export const name = 'poller';

const HOUR_MS = 3_600_000;
const NAIVE_INTERVAL_MS = 5_000;

interface Scenario {
  label: string;
  /** How long each batch runs (one entry per batch, all submitted at once). */
  durationsMs: number[];
  storm?: RateLimitStorm;
}

interface Outcome {
  calls: number;
  callsDuringStorm: number;
  /** Simulated ms from start until every batch was seen ended. */
  simulatedMs: number;
  /** How late after its end each batch was noticed (worst case), ms. */
  worstNoticeDelayMs: number;
}

const SCENARIOS: Scenario[] = [
  { label: '1 batch, 1 h', durationsMs: [HOUR_MS] },
  { label: '1 batch, 24 h', durationsMs: [24 * HOUR_MS] },
  { label: '10 batches, 1 h', durationsMs: Array.from({ length: 10 }, () => HOUR_MS) },
  { label: '1 h, 429 storm 30 min (retry-after 60 s)', durationsMs: [HOUR_MS], storm: { fromMs: 10 * 60_000, toMs: 40 * 60_000, retryAfterMs: 60_000 } },
  { label: '1 h, 429 storm 30 min (no retry-after)', durationsMs: [HOUR_MS], storm: { fromMs: 10 * 60_000, toMs: 40 * 60_000 } },
];

function fakesFor(scenario: Scenario) {
  const clock = new JumpingClock();
  const batchIds = scenario.durationsMs.map((_, index) => `msgbatch_bench${String(index).padStart(4, '0')}`);
  const api = new CountingBatchApi(clock, new Map(batchIds.map((id, index) => [id, scenario.durationsMs[index]])), scenario.storm);
  return { clock, api, batchIds };
}

/** The real Poller (default settings: 5 s first interval, x1.5 per unchanged tick, 300 s cap). */
async function runPoller(scenario: Scenario): Promise<Outcome> {
  const { clock, api, batchIds } = fakesFor(scenario);
  const store = new MemoryJobStore();
  await store.create(runningJob('job_bench_poller', batchIds));
  const poller = new Poller({ store, getApi: async () => api, clock, logger: silentLogger, random: () => 0.5 });
  const ended = new Promise<void>((resolve) => poller.onJobEnded(() => resolve()));
  poller.start();
  await ended;
  const simulatedMs = clock.now() - START_MS;
  poller.dispose();
  await poller.stopped;
  return { calls: api.calls, callsDuringStorm: api.callsDuringStorm, simulatedMs, worstNoticeDelayMs: simulatedMs - Math.max(...scenario.durationsMs) };
}

/** The naive baseline: every 5 s, one retrieve per unfinished batch, whatever the answer. */
async function runNaive(scenario: Scenario): Promise<Outcome> {
  const { clock, api, batchIds } = fakesFor(scenario);
  const pending = new Set(batchIds);
  while (pending.size > 0) {
    await clock.sleep(NAIVE_INTERVAL_MS);
    for (const batchId of [...pending]) {
      try {
        if ((await api.retrieve(batchId)).processing_status === 'ended') pending.delete(batchId);
      } catch {
        // The naive loop just tries again next time.
      }
    }
  }
  const simulatedMs = clock.now() - START_MS;
  return { calls: api.calls, callsDuringStorm: api.callsDuringStorm, simulatedMs, worstNoticeDelayMs: simulatedMs - Math.max(...scenario.durationsMs) };
}

/** A poller with nothing running, left alone for a simulated day: it should make no call at all. */
async function runIdle(): Promise<{ calls: number; simulatedMs: number }> {
  const clock = new JumpingClock();
  const api = new CountingBatchApi(clock, new Map());
  const store = new MemoryJobStore();
  const job = runningJob('job_bench_idle', ['msgbatch_done']);
  job.batches[0].status = 'ended';
  await store.create(job);
  const poller = new Poller({ store, getApi: async () => api, clock, logger: silentLogger });
  const idle = new Promise<void>((resolve) => poller.onStateChange((state) => state === 'idle' && resolve()));
  poller.start();
  await idle;
  for (let minute = 0; minute < 24 * 60; minute++) {
    clock.advance(60_000);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const simulatedMs = clock.now() - START_MS;
  poller.dispose();
  await poller.stopped;
  return { calls: api.calls, simulatedMs };
}

export async function run(): Promise<unknown> {
  const rows: Record<string, unknown>[] = [];
  const cells: string[][] = [];
  for (const scenario of SCENARIOS) {
    const ours = await runPoller(scenario);
    const naive = await runNaive(scenario);
    const batchHours = scenario.durationsMs.reduce((sum, duration) => sum + duration, 0) / HOUR_MS;
    const perBatchHour = ours.calls / batchHours;
    const naivePerBatchHour = naive.calls / batchHours;
    rows.push({ scenario: scenario.label, batches: scenario.durationsMs.length, poller: ours, naive, perBatchHour, naivePerBatchHour, ratio: perBatchHour / naivePerBatchHour });
    cells.push([
      scenario.label,
      count(ours.calls),
      perBatchHour.toFixed(1),
      scenario.storm ? count(ours.callsDuringStorm) : '-',
      `${Math.round(ours.worstNoticeDelayMs / 1000)} s`,
      count(naive.calls),
      naivePerBatchHour.toFixed(1),
      scenario.storm ? count(naive.callsDuringStorm) : '-',
      ratio(perBatchHour, naivePerBatchHour),
    ]);
  }
  const idle = await runIdle();
  cells.push(['idle (no running batch), 24 h', count(idle.calls), (idle.calls / 24).toFixed(1), '-', '-', '0', '0.0', '-', 'n/a']);
  printTable(
    'Poller API calls on simulated time (Poller defaults: 5 s first interval, x1.5 per unchanged tick, 300 s cap; naive = retrieve every 5 s)',
    ['scenario', 'calls', 'per batch-h', 'in storm', 'ended seen', 'naive calls', 'naive/b-h', 'naive storm', 'ratio'],
    cells,
  );
  console.log('  ended seen = how long after the last batch ended the poller noticed; ratio = calls per batch-hour / naive');
  return { generatedAt: new Date().toISOString(), node: process.version, scenarios: rows, idle };
}

// `npx tsx bench/poller.ts` runs this bench alone without writing bench-results/.
if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
