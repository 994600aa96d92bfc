import * as assert from 'node:assert/strict';
import { ExactTokenCounter, SINGLE_USER_TURN_FRAMING_TOKENS } from '../../../../src/core/tokens/exactCounter';
import { DEFAULT_MAX_CACHED_TOKEN_COUNTS, TOKEN_COUNT_CACHE_STATE_KEY, TokenCountCache, type StateStore } from '../../../../src/core/tokens/tokenCountCache';
import type { Logger } from '../../../../src/core/util/logger';

/** Global state as VS Code keeps it: a key-value map whose `update(key, undefined)` deletes the key. */
class MementoLike implements StateStore {
  readonly values = new Map<string, unknown>();
  writes = 0;
  get(key: string): unknown {
    return this.values.get(key);
  }
  async update(key: string, value: unknown): Promise<void> {
    this.writes += 1;
    // VS Code stores values as JSON: a copy, never the caller's live object.
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
  keys(): readonly string[] {
    return [...this.values.keys()];
  }
}

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('TokenCountCache (exact token counts in global state, bounded)', () => {
  it('keeps at most maxEntries counts, evicting the least recently used (a read counts as a use)', async () => {
    const state = new MementoLike();
    const cache = new TokenCountCache(state, { maxEntries: 3 });
    await cache.update('a', 1);
    await cache.update('b', 2);
    await cache.update('c', 3);
    assert.equal(cache.get('a'), 1, 'reading a makes it the most recent');
    await cache.update('d', 4);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('b'), undefined, 'b was the least recently used, so it went');
    assert.deepEqual([cache.get('a'), cache.get('c'), cache.get('d')], [1, 3, 4]);
    const stored = state.get(TOKEN_COUNT_CACHE_STATE_KEY) as Array<[string, number]>;
    assert.equal(stored.length, 3, 'the persisted value holds no more than the bound');
    assert.ok(!stored.some(([key]) => key === 'b'));
  });

  it('survives a restart: a new cache over the same state answers the same counts in the same order', async () => {
    const state = new MementoLike();
    const first = new TokenCountCache(state, { maxEntries: 2 });
    await first.update('x', 10);
    await first.update('y', 20);
    const second = new TokenCountCache(state, { maxEntries: 2 });
    assert.equal(second.get('x'), 10);
    assert.equal(second.get('y'), 20);
    await second.update('z', 30);
    // x was read before y, so y is more recent and x goes.
    assert.equal(second.get('x'), undefined);
    assert.equal(second.get('y'), 20);
  });

  it('stays bounded at the default of 2,000 however many texts are counted', async () => {
    const state = new MementoLike();
    const cache = new TokenCountCache(state);
    for (let index = 0; index < DEFAULT_MAX_CACHED_TOKEN_COUNTS + 500; index += 1) await cache.update(`k${index}`, index);
    assert.equal(cache.size, DEFAULT_MAX_CACHED_TOKEN_COUNTS);
    assert.equal((state.get(TOKEN_COUNT_CACHE_STATE_KEY) as unknown[]).length, DEFAULT_MAX_CACHED_TOKEN_COUNTS);
    assert.equal(cache.get('k499'), undefined, 'the oldest 500 went');
    assert.equal(cache.get('k500'), 500);
  });

  it('a burst of new counts is saved in one write that holds all of them', async () => {
    const state = new MementoLike();
    const cache = new TokenCountCache(state);
    await cache.update('warm', 0);
    const before = state.writes;
    await Promise.all(Array.from({ length: 50 }, (_, index) => cache.update(`burst${index}`, index)));
    assert.ok(state.writes - before <= 2, `50 counts cost ${state.writes - before} writes`);
    assert.equal((state.get(TOKEN_COUNT_CACHE_STATE_KEY) as unknown[]).length, 51);
  });

  it('clear() forgets every count, in memory and in state, and says how many there were', async () => {
    const state = new MementoLike();
    const cache = new TokenCountCache(state);
    await cache.update('a', 1);
    await cache.update('b', 2);
    assert.equal(await cache.clear(), 2);
    assert.equal(cache.get('a'), undefined);
    assert.equal(state.get(TOKEN_COUNT_CACHE_STATE_KEY), undefined);
    assert.equal(new TokenCountCache(state).get('b'), undefined, 'a restart does not bring them back');
  });

  it('folds counts stored one key each by earlier versions into the bounded cache and removes their keys', async () => {
    const state = new MementoLike();
    for (let index = 0; index < 5; index += 1) state.values.set(`batchlens.tokenCount.claude-sonnet-4-6:${index}`, 100 + index);
    state.values.set('http://127.0.0.1:4010|batchlens.tokenCount.claude-haiku-4-5:z', 7);
    state.values.set('batchlens.unrelated', 'kept');
    const cache = new TokenCountCache(state, { maxEntries: 4, logger: silent });
    assert.equal(cache.size, 4, 'six legacy counts, bound of four');
    assert.equal(cache.get('http://127.0.0.1:4010|batchlens.tokenCount.claude-haiku-4-5:z'), 7);
    // Let the migration's writes finish.
    await cache.update('fresh', 1);
    assert.deepEqual(
      state.keys().filter((key) => key.includes('batchlens.tokenCount.')),
      [],
      'no legacy key is left behind',
    );
    assert.equal(state.get('batchlens.unrelated'), 'kept', 'other state is left alone');
    assert.equal(cache.size, 4);
  });

  it('ignores malformed stored data instead of failing', () => {
    const state = new MementoLike();
    state.values.set(TOKEN_COUNT_CACHE_STATE_KEY, [['ok', 5], ['negative', -1], ['nan', 'x'], 'junk', [3, 4]]);
    const cache = new TokenCountCache(state);
    assert.equal(cache.size, 1);
    assert.equal(cache.get('ok'), 5);
  });

  it('backs ExactTokenCounter: a second counter (a restart) answers from it without asking the API', async () => {
    const state = new MementoLike();
    let calls = 0;
    const api = {
      countTokens: async (params: { messages: Array<{ content: unknown }> }) => {
        calls += 1;
        return String(params.messages[0]?.content).length + SINGLE_USER_TURN_FRAMING_TOKENS;
      },
    };
    const first = new ExactTokenCounter({ api, logger: silent, store: new TokenCountCache(state, { maxEntries: 2 }) });
    assert.equal(await first.count('hello there', 'claude-sonnet-4-6'), 11);
    const second = new ExactTokenCounter({ api, logger: silent, store: new TokenCountCache(state, { maxEntries: 2 }) });
    assert.equal(second.peek('hello there', 'claude-sonnet-4-6'), 11);
    assert.equal(calls, 1);
  });
});
