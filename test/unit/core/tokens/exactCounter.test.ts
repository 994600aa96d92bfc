import * as assert from 'node:assert/strict';
import type { BatchApi, CountTokensParams } from '../../../../src/core/api/batchApi';
import { ExactTokenCounter, SINGLE_USER_TURN_FRAMING_TOKENS, type TokenCountStore } from '../../../../src/core/tokens/exactCounter';
import type { Logger } from '../../../../src/core/util/logger';

/** A count_tokens fake: answers text length + framing once released, records every call. */
class FakeCountApi implements Pick<BatchApi, 'countTokens'> {
  readonly calls: CountTokensParams[] = [];
  private readonly pending: Array<() => void> = [];
  inFlight = 0;
  maxInFlight = 0;
  failWith?: Error;
  autoRelease = true;

  async countTokens(params: CountTokensParams): Promise<number> {
    this.calls.push(params);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (!this.autoRelease) await new Promise<void>((resolve) => this.pending.push(resolve));
    this.inFlight -= 1;
    if (this.failWith) throw this.failWith;
    const content = params.messages[0]?.content;
    return (typeof content === 'string' ? content.length : 0) + SINGLE_USER_TURN_FRAMING_TOKENS;
  }

  releaseAll(): void {
    for (const resolve of this.pending.splice(0)) resolve();
  }
}

class MapStore implements TokenCountStore {
  readonly values = new Map<string, unknown>();
  get(key: string): unknown {
    return this.values.get(key);
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (message: string) => warnings.push(message), error: () => undefined };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ExactTokenCounter', () => {
  it('counts a text as one user turn and subtracts the framing', async () => {
    const api = new FakeCountApi();
    const counter = new ExactTokenCounter({ api, logger: recordingLogger() });
    assert.equal(await counter.count('twelve chars', 'claude-sonnet-4-6'), 12);
    assert.deepEqual(api.calls[0], { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'twelve chars' }] });
  });

  it('answers peek synchronously from the cache once counted, per text and model', async () => {
    const api = new FakeCountApi();
    const counter = new ExactTokenCounter({ api, logger: recordingLogger() });
    assert.equal(counter.peek('abc', 'm1'), undefined);
    await counter.count('abc', 'm1');
    assert.equal(counter.peek('abc', 'm1'), 3);
    assert.equal(counter.peek('abc', 'm2'), undefined);
    assert.equal(counter.peek('abd', 'm1'), undefined);
    await counter.count('abc', 'm1');
    assert.equal(api.calls.length, 1);
  });

  it('shares one request between identical counts in flight', async () => {
    const api = new FakeCountApi();
    api.autoRelease = false;
    const counter = new ExactTokenCounter({ api, logger: recordingLogger() });
    const first = counter.count('same', 'm');
    const second = counter.count('same', 'm');
    await flush();
    api.releaseAll();
    assert.deepEqual(await Promise.all([first, second]), [4, 4]);
    assert.equal(api.calls.length, 1);
  });

  it('runs at most maxConcurrent counts at once and still finishes them all', async () => {
    const api = new FakeCountApi();
    api.autoRelease = false;
    const counter = new ExactTokenCounter({ api, logger: recordingLogger(), maxConcurrent: 2 });
    const counts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'].map((text) => counter.count(text, 'm'));
    for (let round = 0; round < 5; round++) {
      await flush();
      assert.ok(api.inFlight <= 2, `in flight: ${api.inFlight}`);
      api.releaseAll();
    }
    assert.deepEqual(await Promise.all(counts), [1, 2, 3, 4, 5]);
    assert.equal(api.maxInFlight, 2);
  });

  it('persists counts in the injected store and reads them back in a new counter without calling the API', async () => {
    const store = new MapStore();
    const api = new FakeCountApi();
    await new ExactTokenCounter({ api, logger: recordingLogger(), store }).count('persist me', 'm');
    assert.equal(store.values.size, 1);
    const [key] = store.values.keys();
    assert.ok(!key.includes('persist me'), 'the store key holds a hash, not the text');

    const laterApi = new FakeCountApi();
    const later = new ExactTokenCounter({ api: laterApi, logger: recordingLogger(), store });
    assert.equal(later.peek('persist me', 'm'), 10);
    assert.equal(await later.count('persist me', 'm'), 10);
    assert.equal(laterApi.calls.length, 0);
  });

  it('logs a failed count, resolves to undefined and caches nothing, so the estimate stays', async () => {
    const api = new FakeCountApi();
    api.failWith = new Error('rate limited');
    const logger = recordingLogger();
    const counter = new ExactTokenCounter({ api, logger });
    assert.equal(await counter.count('text', 'm'), undefined);
    assert.equal(counter.peek('text', 'm'), undefined);
    assert.match(logger.warnings[0], /rate limited/);
    api.failWith = undefined;
    assert.equal(await counter.count('text', 'm'), 4);
  });

  it('keeps the count in memory when the store fails to save it', async () => {
    const api = new FakeCountApi();
    const logger = recordingLogger();
    const store: TokenCountStore = { get: () => undefined, update: () => Promise.reject(new Error('disk full')) };
    const counter = new ExactTokenCounter({ api, logger, store });
    assert.equal(await counter.count('abcd', 'm'), 4);
    assert.equal(counter.peek('abcd', 'm'), 4);
    assert.match(logger.warnings[0], /disk full/);
  });
});
