import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import { runCli } from '../../../../src/cli/main';
import { findModel, resolveModel, useLiveModelFacts } from '../../../../src/core/pricing/catalog';
import { describeLifecycle, modelLifecycleAt } from '../../../../src/core/pricing/lifecycle';
import { LIVE_MODELS_CACHE_FILE, factsOf, loadLiveModels, withLiveFacts } from '../../../../src/core/pricing/liveModels';
import { preflightRequests } from '../../../../src/core/batch/preflight';
import type { BatchRequest } from '../../../../src/core/api/batchApi';
import { recordingIo } from '../../support/recordingIo';
import { startEmulator } from '../../support/emulatorHarness';

const NOW = Date.parse('2026-12-04T12:00:00Z');

function info(id: string, fields: Partial<ModelInfo> = {}): ModelInfo {
  return {
    type: 'model',
    id,
    display_name: id,
    created_at: '1970-01-01T00:00:00Z',
    capabilities: { batch: { supported: true } } as unknown as ModelInfo['capabilities'],
    lifecycle: 'active',
    deprecated_at: null,
    retires_at: null,
    line: null,
    max_input_tokens: 1_000_000,
    max_tokens: 128_000,
    ...fields,
  } as ModelInfo;
}

describe('live lifecycle from GET /v1/models', () => {
  let dir: string;
  let cacheFile: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-live-'));
    cacheFile = path.join(dir, LIVE_MODELS_CACHE_FILE);
  });
  afterEach(() => {
    useLiveModelFacts(undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fetches, caches, and asks again only once the cache is a day old', async () => {
    let calls = 0;
    const listModels = async () => {
      calls += 1;
      return [info('claude-sonnet-4-6')];
    };
    assert.equal((await loadLiveModels({ cacheFile, listModels, nowMs: NOW })).origin, 'fetched');
    assert.equal((await loadLiveModels({ cacheFile, listModels, nowMs: NOW + 60_000 })).origin, 'cache');
    assert.equal(calls, 1, 'throttled');
    assert.equal((await loadLiveModels({ cacheFile, listModels, nowMs: NOW + 25 * 3600_000 })).origin, 'fetched');
    assert.equal((await loadLiveModels({ cacheFile, listModels, nowMs: NOW + 25 * 3600_000, force: true })).origin, 'fetched');
    assert.equal(calls, 3);
  });

  it('falls back to the cache, then to bundled data, when the API cannot be reached; never throws', async () => {
    const offline = async (): Promise<ModelInfo[]> => {
      throw new Error('Connection error.');
    };
    const none = await loadLiveModels({ cacheFile, listModels: offline, nowMs: NOW });
    assert.deepEqual([none.origin, none.facts], ['none', undefined]);
    assert.match(none.note ?? '', /Connection error.*bundled/);
    await loadLiveModels({ cacheFile, listModels: async () => [info('claude-sonnet-4-6')], nowMs: NOW });
    const stale = await loadLiveModels({ cacheFile, listModels: offline, nowMs: NOW + 2 * 86_400_000 });
    assert.equal(stale.origin, 'cache');
    assert.match(stale.note ?? '', /using the refresh of 2026-12-04/);
    assert.equal((await loadLiveModels({ cacheFile, nowMs: NOW })).origin, 'cache', 'no key: the cache still serves');
  });

  it('lets the API move lifecycle dates and limits, but never prices', () => {
    const facts = {
      fetchedAt: '2026-12-04T12:00:00Z',
      models: [
        factsOf(info('claude-sonnet-4-6', { lifecycle: 'deprecated', deprecated_at: '2026-12-01T00:00:00Z', retires_at: '2027-03-01T00:00:00Z', max_tokens: 32_000 })),
        factsOf(info('claude-haiku-4-5', { capabilities: { batch: { supported: false } } as unknown as ModelInfo['capabilities'] })),
      ],
    };
    const sonnet = withLiveFacts(findModel('claude-sonnet-4-6')!, facts);
    assert.equal(describeLifecycle(modelLifecycleAt(sonnet, '2026-12-04')), 'deprecated, retires 2027-03-01');
    assert.match(sonnet.lifecycle.source, /GET \/v1\/models/);
    assert.equal(sonnet.maxOutputTokens, 32_000);
    assert.deepEqual(sonnet.rates, findModel('claude-sonnet-4-6')!.rates);

    useLiveModelFacts(facts);
    assert.match(resolveModel('claude-sonnet-4-6', undefined, '2026-12-04').note ?? '', /retires on 2027-03-01/);
    const request = (model: string, maxTokens: number) => ({ custom_id: 'a', params: { model, max_tokens: maxTokens, messages: [{ role: 'user', content: 'x' }] } }) as unknown as BatchRequest;
    assert.deepEqual(preflightRequests([request('claude-sonnet-4-6', 40_000)], { today: '2026-12-04' }).problems.map((p) => p.check), ['max_tokens']);
    assert.deepEqual(preflightRequests([request('claude-haiku-4-5', 100)], { today: '2026-12-04' }).problems.map((p) => p.check), ['batch_unsupported']);
  });

  it('batchlens models with a key refreshes from the emulator, which serves the same lifecycle fields', async () => {
    const emulator = await startEmulator({ clock: { now: () => NOW } });
    try {
      const env = { ANTHROPIC_API_KEY: 'sk-ant-test-live', ANTHROPIC_BASE_URL: emulator.url };
      const io = recordingIo(dir, env);
      assert.equal(await runCli(['models', '--json', '--date', '2026-12-04'], io), 0, io.err);
      const models = JSON.parse(io.out) as Array<{ id: string; lifecycle: { state: string; retiresOn: string | null; source: string } }>;
      const opus = models.find((model) => model.id === 'claude-opus-4-5-20251101')!;
      assert.deepEqual([opus.lifecycle.state, opus.lifecycle.retiresOn], ['deprecated', '2027-01-22']);
      assert.match(opus.lifecycle.source, /GET \/v1\/models \(fetched /);
      assert.ok(fs.existsSync(cacheFile));
      const served = emulator.admin.requests().filter((request) => request.path === '/v1/models').length;
      assert.ok(served >= 1);
      await runCli(['models', '--json'], recordingIo(dir, env));
      assert.equal(emulator.admin.requests().filter((request) => request.path === '/v1/models').length, served, 'the second run reads the cache');
      const refused = recordingIo(dir, {});
      assert.equal(await runCli(['models', '--refresh'], refused), 2);
      assert.match(refused.err, /--refresh needs an API key/);
    } finally {
      await emulator.close();
    }
  });
});
