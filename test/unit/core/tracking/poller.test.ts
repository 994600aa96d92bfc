import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { storedRowStats } from '../../../../src/core/tracking/jobRowStats';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';
import { Poller, type JobEvent, type PollerOptions } from '../../../../src/core/tracking/poller';
import { silentLogger } from '../../../../src/core/util/logger';
import {
  FakeApiError,
  FakeBatchApi,
  FakeClock,
  MemoryJobStore,
  counts,
  makeBatch,
  makeJob,
  remoteBatch,
  settle,
} from './support/fakes';

const running = (n: number) => counts({ processing: n });

function setup(options: Partial<PollerOptions> = {}) {
  const clock = new FakeClock();
  const store = new MemoryJobStore('/ws');
  const api = new FakeBatchApi();
  const poller = new Poller({
    store,
    getApi: async () => api,
    clock,
    logger: silentLogger,
    random: () => 0,
    initialIntervalMs: 5_000,
    maxIntervalMs: 20_000,
    ...options,
  });
  return { clock, store, api, poller };
}

async function addRunningJob(store: MemoryJobStore, jobId: string, batchIds: string[]) {
  const batches = batchIds.map((batchId, index) => makeBatch({ index, batchId, customIds: [`row-${index}`], status: 'in_progress', counts: running(1), expiresAt: '2026-11-23T07:59:00Z' }));
  await store.create(makeJob(jobId, batchIds.map((_, i) => `src/f${i}.ts`), batches));
}

/** Lets the poller reach its next sleep and returns how long it asked to sleep. */
async function nextSleepMs(clock: FakeClock): Promise<number> {
  const sleep = await clock.nextSleep();
  return sleep.ms;
}

describe('Poller', () => {
  it('polls a 20k-row job from the store without reading its rows: each changed count rewrites only the header', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-poll-'));
    const store = new FileJobStore(root);
    const files = Array.from({ length: 20_000 }, (_, i) => `src/f${i}.ts`);
    const job = makeJob('job_big', files, []);
    job.batches.push(makeBatch({ batchId: 'msgbatch_big', customIds: job.manifest.map((entry) => entry.customId), status: 'in_progress', counts: running(20_000) }));
    await store.create(job);
    const header = JSON.parse(await fs.readFile(path.join(root, '.batchlens', 'jobs', 'job_big.json'), 'utf8')) as { rowsFile: string };
    const logPath = path.join(root, '.batchlens', header.rowsFile);
    const logBefore = await fs.stat(logPath);
    const clock = new FakeClock();
    const api = new FakeBatchApi();
    let done = 0;
    api.retrieveImpl = async (id) => {
      done = Math.min(20_000, done + 10_000);
      return remoteBatch(id, done === 20_000 ? 'ended' : 'in_progress', counts({ processing: 20_000 - done, succeeded: done }));
    };
    const poller = new Poller({ store, getApi: async () => api, clock, logger: silentLogger, random: () => 0, initialIntervalMs: 5_000, maxIntervalMs: 20_000 });
    const events: JobEvent[] = [];
    poller.onJobUpdated((event) => events.push(event));
    const ended = new Promise<void>((resolve) => poller.onJobEnded(() => resolve()));
    poller.start();
    clock.advance(await nextSleepMs(clock));
    await ended;
    poller.dispose();
    await poller.stopped;

    // A running batch's rows count as processing until it ends (as jobCounts has it); then its request_counts speak.
    assert.deepEqual(
      events.map((event) => [event.job.batches[0].counts?.succeeded, event.summary.counts.processing, event.summary.counts.succeeded]),
      [
        [10_000, 20_000, 0],
        [20_000, 0, 20_000],
      ],
    );
    assert.ok(events.every((event) => storedRowStats(event.job)), 'every event was summarized from the header, the rows never read');
    const logAfter = await fs.stat(logPath);
    assert.equal(logAfter.ino, logBefore.ino);
    assert.equal(logAfter.mtimeMs, logBefore.mtimeMs, 'the rows log was never rewritten');
    assert.equal((await store.get('job_big'))?.batches[0].status, 'ended');
  });

  it('makes no request at all while nothing runs, and polls after a poke', async () => {
    const { clock, store, api, poller } = setup();
    poller.start();
    await settle();
    assert.equal(poller.state, 'idle');
    assert.equal(api.calls.length, 0);
    assert.equal(clock.sleeps.length, 0, 'idle means no timer either');

    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    api.retrieveImpl = async (id) => remoteBatch(id, 'in_progress', running(1));
    poller.poke();
    assert.equal(await nextSleepMs(clock), 5_000, 'a submit is polled after the short interval');
    assert.equal(api.calls.length, 0);
    clock.advance(5_000);
    await nextSleepMs(clock);
    assert.deepEqual(api.calls, [{ method: 'retrieve', id: 'msgbatch_1' }]);
    poller.dispose();
    await poller.stopped;
  });

  it('resumes unfinished jobs on start with an immediate tick, one retrieve per running batch', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1', 'msgbatch_2']);
    await addRunningJob(store, 'job_b', ['msgbatch_3']);
    const ended = makeJob('job_c', ['x.ts'], [makeBatch({ batchId: 'msgbatch_9', customIds: ['row-0'], status: 'ended', counts: counts({ succeeded: 1 }) })]);
    await store.create(ended);
    api.retrieveImpl = async (id) => remoteBatch(id, 'in_progress', running(1));
    poller.start();
    await nextSleepMs(clock);
    assert.deepEqual(
      api.calls.map((call) => call.id).sort(),
      ['msgbatch_1', 'msgbatch_2', 'msgbatch_3'],
      'each running batch once, the ended one never',
    );
    poller.dispose();
    await poller.stopped;
  });

  it('grows the interval by 1.5x per unchanged tick up to the cap', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    api.retrieveImpl = async (id) => remoteBatch(id, 'in_progress', running(1));
    poller.start();
    const intervals: number[] = [];
    for (let i = 0; i < 6; i++) {
      const ms = await nextSleepMs(clock);
      intervals.push(ms);
      clock.advance(ms);
    }
    assert.deepEqual(intervals, [7_500, 11_250, 16_875, 20_000, 20_000, 20_000]);
    assert.equal(api.count('retrieve'), 6);
    poller.dispose();
    await poller.stopped;
  });

  it('reads the cap fresh each tick (the setting can change while running)', async () => {
    let capMs = 20_000;
    const { clock, store, api, poller } = setup({ maxIntervalMs: () => capMs });
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    api.retrieveImpl = async (id) => remoteBatch(id, 'in_progress', running(1));
    poller.start();
    assert.equal(await nextSleepMs(clock), 7_500);
    capMs = 10_000;
    clock.advance(7_500);
    assert.equal(await nextSleepMs(clock), 10_000);
    poller.dispose();
    await poller.stopped;
  });

  it('records the batch end, fires job ended once, then goes idle without further requests', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    let done = false;
    api.retrieveImpl = async (id) => (done ? remoteBatch(id, 'ended', counts({ succeeded: 1 })) : remoteBatch(id, 'in_progress', running(1)));
    const endedEvents: JobEvent[] = [];
    poller.onJobEnded((event) => endedEvents.push(event));
    poller.start();
    const first = await nextSleepMs(clock);
    done = true;
    clock.advance(first);
    await settle();
    assert.equal(poller.state, 'idle');
    assert.equal(endedEvents.length, 1);
    assert.deepEqual(endedEvents[0].summary.counts, counts({ succeeded: 1 }));
    const job = await store.get('job_a');
    assert.equal(job?.batches[0].status, 'ended');
    assert.equal(job?.batches[0].resultsUrl, 'https://api.anthropic.com/v1/messages/batches/msgbatch_1/results');
    const callsAtEnd = api.calls.length;
    poller.notifyStoreChanged();
    await settle();
    assert.equal(api.calls.length, callsAtEnd);
    assert.equal(clock.sleeps.length, 0);
    poller.dispose();
    await poller.stopped;
  });

  it('does not write to the store when a tick changes nothing', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    api.retrieveImpl = async (id) => remoteBatch(id, 'in_progress', running(1));
    const writesBefore = store.updates;
    poller.start();
    for (let i = 0; i < 3; i++) {
      clock.advance(await nextSleepMs(clock));
    }
    await nextSleepMs(clock);
    assert.equal(api.count('retrieve'), 4);
    assert.equal(store.updates, writesBefore);
    poller.dispose();
    await poller.stopped;
  });

  it('reads the job files again only when the store says they changed', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    let stamp = 'v1';
    let lists = 0;
    const list = store.list.bind(store);
    Object.assign(store, {
      changeStamp: async () => stamp,
      list: () => {
        lists += 1;
        return list();
      },
    });
    api.retrieveImpl = async (id) => remoteBatch(id, 'in_progress', running(1));
    poller.start();
    for (let i = 0; i < 3; i++) {
      clock.advance(await nextSleepMs(clock));
    }
    await nextSleepMs(clock);
    assert.equal(api.count('retrieve'), 4);
    assert.equal(lists, 1, 'unchanged ticks reuse what was read');
    // Another process ended the batch: the stamp moves, the poller reads the store and stops polling.
    await store.update('job_a', (job) => {
      job.batches[0].status = 'ended';
    });
    stamp = 'v2';
    poller.notifyStoreChanged();
    await settle();
    assert.equal(lists, 2);
    assert.equal(poller.state, 'idle');
    poller.dispose();
    await poller.stopped;
  });

  it('backs off exponentially with jitter on errors and keeps the failure as state', async () => {
    const random = [0.5, 0, 1];
    const { clock, store, api, poller } = setup({ random: () => random.shift() ?? 0, maxIntervalMs: 60_000 });
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    api.retrieveImpl = async () => {
      throw new FakeApiError('500 api_error: Internal server error', 'server');
    };
    const updates: JobEvent[] = [];
    poller.onJobUpdated((event) => updates.push(event));
    poller.start();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ms = await nextSleepMs(clock);
      delays.push(ms);
      clock.advance(ms);
    }
    // 5 s x 2^n, times (1 - 0.25 x random): n=1 r=.5 -> 8750; n=2 r=0 -> 20000; n=3 r=1 -> 30000
    assert.deepEqual(delays, [8_750, 20_000, 30_000]);
    const job = await store.get('job_a');
    assert.equal(job?.batches[0].lastPollError, '500 api_error: Internal server error');
    assert.equal(updates.length, 1, 'the same error is recorded once, not on every tick');
    poller.dispose();
    await poller.stopped;
  });

  it('clears the failure and returns to the normal interval once a poll succeeds', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    let failing = true;
    api.retrieveImpl = async (id) => {
      if (failing) {
        throw new FakeApiError('connection reset', 'connection');
      }
      return remoteBatch(id, 'in_progress', running(1));
    };
    poller.start();
    const backoff = await nextSleepMs(clock);
    assert.equal(backoff, 10_000);
    failing = false;
    clock.advance(backoff);
    assert.equal(await nextSleepMs(clock), 7_500, 'back on the normal schedule, not the error backoff');
    assert.equal((await store.get('job_a'))?.batches[0].lastPollError, undefined);
    poller.dispose();
    await poller.stopped;
  });

  it('honours retry-after from a rate limit and stops the tick early', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1', 'msgbatch_2', 'msgbatch_3']);
    api.retrieveImpl = async () => {
      throw new FakeApiError('429 rate_limit_error', 'rate_limited', 45_000);
    };
    poller.start();
    assert.equal(await nextSleepMs(clock), 45_000);
    assert.equal(api.count('retrieve'), 1, 'no more requests once the API said to wait');
    poller.poke();
    await settle();
    assert.equal(api.count('retrieve'), 1, 'a poke does not jump the retry-after');
    poller.dispose();
    await poller.stopped;
  });

  it('stops at once on dispose, aborting the request in flight', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    let aborted = false;
    api.retrieveImpl = (_id, signal) =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          aborted = true;
          const error = new Error('aborted');
          error.name = 'AbortError';
          reject(error);
        });
      });
    const states: string[] = [];
    poller.onStateChange((state) => states.push(state));
    poller.start();
    await settle();
    assert.equal(poller.state, 'polling');
    poller.dispose();
    await poller.stopped;
    assert.equal(aborted, true);
    assert.equal(poller.state, 'stopped');
    assert.equal(clock.sleeps.length, 0);
    assert.equal(states.at(-1), 'stopped');
  });

  it('stops at once on dispose while sleeping', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    api.retrieveImpl = async (id) => remoteBatch(id, 'in_progress', running(1));
    poller.start();
    await nextSleepMs(clock);
    poller.dispose();
    await poller.stopped;
    assert.equal(clock.sleeps.length, 0, 'the sleep was aborted, not left to run out');
    assert.equal(api.count('retrieve'), 1);
  });

  it('picks up a batch submitted elsewhere while backed off, at the short interval', async () => {
    const { clock, store, api, poller } = setup();
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    api.retrieveImpl = async (id) => remoteBatch(id, 'in_progress', running(1));
    poller.start();
    clock.advance(await nextSleepMs(clock));
    clock.advance(await nextSleepMs(clock));
    assert.equal(await nextSleepMs(clock), 16_875);
    await addRunningJob(store, 'job_b', ['msgbatch_2']);
    poller.notifyStoreChanged();
    await settle();
    assert.equal(clock.sleeps[0].ms, 5_000);
    poller.dispose();
    await poller.stopped;
  });

  it('runs reconciliation once before the first tick', async () => {
    const order: string[] = [];
    const { clock, store, api, poller } = setup({
      reconcile: async () => {
        order.push('reconcile');
      },
    });
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    api.retrieveImpl = async (id) => {
      order.push(`retrieve ${id}`);
      return remoteBatch(id, 'in_progress', running(1));
    };
    poller.start();
    clock.advance(await nextSleepMs(clock));
    await nextSleepMs(clock);
    assert.deepEqual(order, ['reconcile', 'retrieve msgbatch_1', 'retrieve msgbatch_1']);
    poller.dispose();
    await poller.stopped;
  });

  it('records a missing API key as state and makes no request', async () => {
    const { store, poller } = setup({ getApi: async () => undefined });
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    poller.start();
    await settle();
    assert.equal(poller.state, 'idle');
    assert.match((await store.get('job_a'))?.batches[0].lastPollError ?? '', /No API key/);
    poller.dispose();
    await poller.stopped;
  });

  it('polls only the jobs its filter accepts', async () => {
    const { clock, store, api, poller } = setup({ jobFilter: (job) => job.id === 'job_b' });
    await addRunningJob(store, 'job_a', ['msgbatch_1']);
    await addRunningJob(store, 'job_b', ['msgbatch_2']);
    api.retrieveImpl = async (id) => remoteBatch(id, 'in_progress', running(1));
    poller.start();
    await nextSleepMs(clock);
    assert.deepEqual(api.calls, [{ method: 'retrieve', id: 'msgbatch_2' }]);
    poller.dispose();
    await poller.stopped;
  });
});
