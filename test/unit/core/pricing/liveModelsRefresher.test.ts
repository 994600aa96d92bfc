import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import { catalogAnalysisOptions } from '../../../../src/core/analysis/catalogOptions';
import { useLiveModelFacts } from '../../../../src/core/pricing/catalog';
import { LIVE_MODELS_CACHE_FILE, LIVE_MODELS_MAX_AGE_MS } from '../../../../src/core/pricing/liveModels';
import { CHECK_EVERY_MS, FIRST_CHECK_DELAY_MS, LiveModelsRefresher } from '../../../../src/core/pricing/liveModelsRefresher';
import type { Logger } from '../../../../src/core/util/logger';
import { renderModelPricesMarkdown } from '../../../../src/features/prices/pricesMarkdown';
import { analyzer } from '../analysis/support';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const TODAY = '2026-12-04';

/** The API moved Opus 4.5's retirement forward: retired on 2026-12-01 instead of 2027-01-22. */
const opusRetiredEarly = {
  type: 'model',
  id: 'claude-opus-4-5-20251101',
  display_name: 'Claude Opus 4.5',
  created_at: '1970-01-01T00:00:00Z',
  capabilities: { batch: { supported: true } },
  lifecycle: 'retired',
  deprecated_at: '2026-10-22T00:00:00Z',
  retires_at: '2026-12-01T00:00:00Z',
  line: null,
  max_input_tokens: 200_000,
  max_tokens: 64_000,
} as unknown as ModelInfo;

const code = `import anthropic\nclient = anthropic.Anthropic()\nreply = client.messages.create(model="claude-opus-4-5", max_tokens=100, messages=[{"role": "user", "content": "hi"}])\n`;

async function bl007(): Promise<string[]> {
  const options = { ...catalogAnalysisOptions('claude-sonnet-4-6'), today: TODAY };
  const findings = (await analyzer()).analyze(code, 'python', options).findings;
  return findings.filter((finding) => finding.code === 'BL007').map((finding) => `${finding.severity}: ${finding.message}`);
}

function opusPricesLine(): string {
  const markdown = renderModelPricesMarkdown({ overrides: {}, usResidency: false });
  const lines = markdown.split('\n').filter((row) => row.startsWith('| Opus 4.5'));
  assert.equal(lines.length, 2, 'Show Model Prices lists Opus 4.5 in the price table and the limits table');
  return lines.join('\n');
}

describe('live lifecycle refresher (the editor keeps GET /v1/models facts fresh)', () => {
  let dir: string;
  let now: number;
  let calls: number;
  let lister: (() => Promise<ModelInfo[]>) | undefined;
  let updates: number;
  let warnings: string[];
  let timers: Array<{ run: () => void; ms: number }>;

  const logger: Logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m: string) => void warnings.push(m), error: () => undefined };
  const refresher = (cacheFile: string | null = path.join(dir, LIVE_MODELS_CACHE_FILE)) =>
    new LiveModelsRefresher({
      cacheFile: () => cacheFile ?? undefined,
      modelLister: async () => lister,
      nowMs: () => now,
      logger,
      onDidUpdate: () => updates++,
      timers: { set: (run, ms) => timers.push({ run, ms }), clear: () => undefined },
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-refresher-'));
    now = NOW;
    calls = 0;
    updates = 0;
    warnings = [];
    timers = [];
    lister = async () => {
      calls++;
      return [opusRetiredEarly];
    };
  });
  afterEach(() => {
    useLiveModelFacts(undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('asks nothing when started: the first check is a deferred timer', async () => {
    refresher().start();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 0);
    assert.deepEqual(timers.map((t) => t.ms), [FIRST_CHECK_DELAY_MS]);
  });

  it('applies what GET /v1/models says to BL007 and Show Model Prices, and redraws once', async () => {
    const before = await bl007();
    assert.equal(before.length, 1);
    assert.match(before[0]!, /^warning: .*2027-01-22/);
    assert.match(opusPricesLine(), /Opus 4\.5 \(deprecated, retires 2027-01-22\)[^]*\| deprecated, retires 2027-01-22 \(/);

    const result = await refresher().check();
    assert.equal(result?.origin, 'fetched');
    assert.equal(calls, 1);
    assert.equal(updates, 1);

    const after = await bl007();
    assert.equal(after.length, 1);
    assert.match(after[0]!, /^error: .*retired on 2026-12-01/);
    const prices = opusPricesLine();
    assert.match(prices, /Opus 4\.5 \(retired 2026-12-01\)[^]*\| retired 2026-12-01 \(GET \/v1\/models/);
    assert.doesNotMatch(prices, /2027-01-22/);
    assert.ok(fs.existsSync(path.join(dir, LIVE_MODELS_CACHE_FILE)), 'the cache is shared with `batchlens models`');
  });

  it('asks the API at most once a day, however often it checks', async () => {
    const r = refresher();
    r.start();
    timers.shift()!.run();
    await r.check(); // joins the check the timer started
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1);
    assert.deepEqual(timers.map((t) => t.ms), [CHECK_EVERY_MS], 'the next check is scheduled');
    now += CHECK_EVERY_MS;
    await r.check();
    await refresher().check(); // a new window reads the fresh cache file
    assert.equal(calls, 1);
    now = NOW + LIVE_MODELS_MAX_AGE_MS + 1;
    await r.check();
    assert.equal(calls, 2);
  });

  it('offline: logs, throws nothing, and keeps the last refresh', async () => {
    await refresher().check();
    useLiveModelFacts(undefined);
    now += LIVE_MODELS_MAX_AGE_MS + 1;
    lister = async () => {
      throw new Error('getaddrinfo ENOTFOUND api.anthropic.com');
    };
    const result = await refresher().check();
    assert.equal(result?.origin, 'cache');
    assert.match(warnings.join('\n'), /could not refresh from GET \/v1\/models \(getaddrinfo ENOTFOUND/);
    assert.match((await bl007())[0]!, /^error: .*retired on 2026-12-01/);
  });

  it('without a key reads only the cache; without a cache or a folder changes nothing', async () => {
    lister = undefined;
    assert.equal((await refresher().check())?.origin, 'none');
    assert.equal(await refresher(null).check(), undefined);
    assert.equal(updates, 0);
    assert.match((await bl007())[0]!, /^warning: /);
    assert.deepEqual(warnings, []);
  });
});
