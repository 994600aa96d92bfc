import { strict as assert } from 'node:assert';
import { runCli } from '../../../src/cli/main';
import { BUILTIN_MODELS } from '../../../src/core/pricing/catalog';
import { recordingIo } from '../support/recordingIo';

async function run(argv: string[]) {
  const io = recordingIo();
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err };
}

describe('cli: price', () => {
  it('prints sync 18.3 and batch 9.15 as JSON for 1M input + 1M output + 1M cache read on Sonnet 4.6', async () => {
    const { code, out, err } = await run(['price', '--model', 'claude-sonnet-4-6', '--input-tokens', '1000000', '--output-tokens', '1000000', '--cache-read-tokens', '1000000', '--json']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out);
    assert.equal(json.model, 'claude-sonnet-4-6');
    assert.equal(json.resolvedAs, undefined);
    assert.equal(json.note, undefined);
    assert.deepEqual(json.sync, { inputUsd: 3, outputUsd: 15, cacheWriteUsd: 0, cacheReadUsd: 0.3, totalUsd: 18.3 });
    assert.deepEqual(json.batch, { inputUsd: 1.5, outputUsd: 7.5, cacheWriteUsd: 0, cacheReadUsd: 0.15, totalUsd: 9.15 });
    assert.equal(json.asOf, '2026-08-21');
    assert.match(out, /"totalUsd": 18\.3\b/, 'the printed number is 18.3, not 18.299999...');
  });

  it('prices 1h cache writes at 2x input when --cache-write-ttl 1h', async () => {
    const { out } = await run(['price', '--model', 'claude-sonnet-4-6', '--input-tokens', '0', '--output-tokens', '0', '--cache-write-tokens', '1000000', '--cache-write-ttl', '1h', '--json']);
    assert.equal(JSON.parse(out).sync.cacheWriteUsd, 6);
    const fiveMinutes = await run(['price', '--model', 'claude-sonnet-4-6', '--input-tokens', '0', '--output-tokens', '0', '--cache-write-tokens', '1000000', '--json']);
    assert.equal(JSON.parse(fiveMinutes.out).batch.cacheWriteUsd, 1.875);
  });

  it('applies --us-residency to both columns', async () => {
    const { out } = await run(['price', '--model', 'claude-opus-4-8', '--input-tokens', '1000000', '--output-tokens', '0', '--us-residency', '--json']);
    const json = JSON.parse(out);
    assert.deepEqual([json.sync.totalUsd, json.batch.totalUsd, json.usResidency], [5.5, 2.75, true]);
  });

  it('names the model an alias resolves to', async () => {
    const { out } = await run(['price', '--model', 'claude-sonnet-4-5', '--input-tokens', '10', '--output-tokens', '10', '--json']);
    assert.equal(JSON.parse(out).resolvedAs, 'claude-sonnet-4-5-20250929');
  });

  it('refuses an unknown model of a known family, naming the nearest id, instead of pricing it as another', async () => {
    const { code, out, err } = await run(['price', '--model', 'claude-sonnet-4-6-20250514', '--input-tokens', '1000', '--output-tokens', '0', '--json']);
    assert.equal(code, 2);
    assert.equal(out, '');
    assert.match(err, /unknown model "claude-sonnet-4-6-20250514".*did you mean "claude-sonnet-4-6"/);
  });

  it('prices Fable 5.2 exactly ($8/$40), with its third-party cache figures labelled', async () => {
    const { code, out, err } = await run(['price', '--model', 'claude-fable-5-2', '--input-tokens', '1000000', '--output-tokens', '1000000', '--cache-read-tokens', '1000000', '--json']);
    assert.equal(code, 0, err);
    const json = JSON.parse(out);
    assert.equal(json.resolvedAs, undefined);
    assert.deepEqual(json.sync, { inputUsd: 8, outputUsd: 40, cacheWriteUsd: 0, cacheReadUsd: 0.2, totalUsd: 48.2 });
    assert.equal(json.batch.totalUsd, 24.1);
    assert.deepEqual(json.unverified, ['cacheWrite5m', 'cacheWrite1h', 'cacheRead']);
  });

  it('prices Sonnet 5.5 cache reads at $0.20 before 2026-10-07 and $0.10 from that day (--date)', async () => {
    const args = ['price', '--model', 'claude-sonnet-5-5', '--input-tokens', '0', '--output-tokens', '0', '--cache-read-tokens', '1000000', '--json'];
    const before = JSON.parse((await run([...args, '--date', '2026-10-06'])).out);
    const after = JSON.parse((await run([...args, '--date', '2026-10-07'])).out);
    assert.deepEqual([before.sync.cacheReadUsd, before.pricesDate], [0.2, '2026-10-06']);
    assert.deepEqual([after.sync.cacheReadUsd, after.pricesDate], [0.1, '2026-10-07']);
    const bad = await run([...args, '--date', '2026-13-01']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--date must be a day as YYYY-MM-DD/);
  });

  it('notes that a retired model fails at request time', async () => {
    const { out } = await run(['price', '--model', 'claude-sonnet-4-5', '--input-tokens', '10', '--output-tokens', '10', '--date', '2026-12-04', '--json']);
    assert.match(JSON.parse(out).note, /retired on 2026-11-30: requests to it fail; successor: claude-sonnet-5-5/);
  });

  it('prints a readable side-by-side table with the saving and the as-of date', async () => {
    const { code, out } = await run(['price', '--model', 'claude-sonnet-4-6', '--input-tokens', '5000000', '--output-tokens', '2000000']);
    assert.equal(code, 0);
    assert.match(out, /Model: Sonnet 4\.6 \(claude-sonnet-4-6\)/);
    assert.match(out, /Tokens: 5,000,000 input · 2,000,000 output/);
    assert.match(out, /\s+Sync\s+Batch\n/);
    assert.match(out, /Total\s+\$45\.00\s+\$22\.50/);
    assert.match(out, /Batch saves \$22\.50 \(50%\)/);
    assert.doesNotMatch(out, /Cache (write|read)/, 'no cache rows for a request without caching');
    const cached = await run(['price', '--model', 'claude-sonnet-4-6', '--input-tokens', '0', '--output-tokens', '0', '--cache-read-tokens', '1000000']);
    assert.match(cached.out, /Cache read\s+\$0\.30\s+\$0\.15\n/);
    assert.match(out, /Prices in force on \d{4}-\d{2}-\d{2} \(catalog as of 2026-08-21\)/);
  });

  const badCalls: Array<[string, string[], RegExp]> = [
    ['a model the catalog does not have', ['--model', 'gpt-4o', '--input-tokens', '1', '--output-tokens', '1'], /unknown model "gpt-4o"/],
    ['a missing model', ['--input-tokens', '1', '--output-tokens', '1'], /--model is required/],
    ['a negative count', ['--model', 'claude-sonnet-4-6', '--input-tokens', '-5', '--output-tokens', '1'], /--input-tokens must be a whole number of tokens, at least 0 \(got '-5'\)/],
    ['a fractional count', ['--model', 'claude-sonnet-4-6', '--input-tokens', '1.5', '--output-tokens', '1'], /--input-tokens must be a whole number of tokens, at least 0 \(got '1\.5'\)/],
    ['a word for a count', ['--model', 'claude-sonnet-4-6', '--input-tokens', '1', '--output-tokens', 'lots'], /--output-tokens must be a whole number/],
    ['a missing output count', ['--model', 'claude-sonnet-4-6', '--input-tokens', '1'], /--output-tokens is required/],
    ['a bad TTL', ['--model', 'claude-sonnet-4-6', '--input-tokens', '1', '--output-tokens', '1', '--cache-write-ttl', '2h'], /--cache-write-ttl must be 5m or 1h/],
    ['an unknown option', ['--model', 'claude-sonnet-4-6', '--input-tokens', '1', '--output-tokens', '1', '--discount', '9'], /--discount/],
  ];
  for (const [what, args, message] of badCalls) {
    it(`rejects ${what} with a one-line error and exit code 2`, async () => {
      const { code, out, err } = await run(['price', ...args]);
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.match(err, message);
      assert.equal(err.trim().split('\n').length, 1);
    });
  }
});

describe('cli: models', () => {
  it('lists every catalog model as JSON with rates, batch rates, limits and provenance', async () => {
    const { code, out } = await run(['models', '--json']);
    assert.equal(code, 0);
    const models = JSON.parse(out) as Array<Record<string, unknown>>;
    assert.deepEqual(models.map((model) => model.id), BUILTIN_MODELS.map((entry) => entry.id));
    const sonnet = models.find((model) => model.id === 'claude-sonnet-4-5-20250929')!;
    assert.deepEqual(sonnet.aliases, ['claude-sonnet-4-5']);
    assert.equal(sonnet.displayName, 'Sonnet 4.5');
    assert.equal(sonnet.family, 'sonnet');
    assert.equal(sonnet.tokenizer, 'legacy');
    assert.equal(sonnet.minCacheableTokens, 1024);
    assert.equal(sonnet.contextWindowTokens, 200_000);
    assert.deepEqual(sonnet.rates, { input: 3, output: 15, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3 });
    assert.deepEqual(sonnet.batchRates, { input: 1.5, output: 7.5, cacheWrite5m: 1.875, cacheWrite1h: 3, cacheRead: 0.15 });
    assert.equal(sonnet.asOf, '2026-08-21');
    assert.match(String(sonnet.source), /pricing/);
    assert.equal(models.find((model) => model.id === 'claude-opus-4-1-20250805')!.retired, '2026-08-05');
    assert.equal(models.find((model) => model.id === 'claude-fable-5-2')!.minCacheableTokens, null, 'unpublished minimum is unknown');
    const haiku55 = models.find((model) => model.id === 'claude-haiku-5-5')! as { bands: Array<{ aboveInputTokens: number; batchRates: { input: number } }> };
    assert.deepEqual(haiku55.bands.map((band) => [band.aboveInputTokens, band.batchRates.input]), [[100_000, 0.25]]);
  });

  it('prints a readable price table and a limits table, retired models marked', async () => {
    const { code, out } = await run(['models']);
    assert.equal(code, 0);
    assert.match(out, /^Prices\n/);
    assert.match(out, /Sonnet 4\.6\s+claude-sonnet-4-6\s+\$3\.00\s+\$15\.00\s+\$1\.50\s+\$7\.50/);
    assert.match(out, /Opus 4\.1 \(retired 2026-08-05\)/);
    assert.match(out, /\nLimits\n/);
    assert.match(out, /Haiku 4\.5 +claude-haiku-4-5-20251001 +claude-haiku-4-5 +haiku +legacy +active +4,096 +200k +64k/);
    assert.match(out, /Haiku 5\.5 +claude-haiku-5-5 +- +haiku +new +active +512 †/);
    assert.match(out, /Fable 5\.2 +claude-fable-5-2 +- +fable +new +active +unknown/);
    assert.match(out, /† unverified \(third-party sources only\): Fable 5\.2: 5m write, 1h write, cache read/);
    assert.match(out, /as of 2026-12-04/);
  });

  it('marks Sonnet 4.5 retired (2026-11-30) and Opus 4.5 deprecated (retires 2027-01-22) on 2026-12-04', async () => {
    const models = JSON.parse((await run(['models', '--json', '--date', '2026-12-04'])).out) as Array<{
      id: string;
      retired: string | null;
      unverified: string[];
      rates: { cacheRead: number };
      lifecycle: { state: string; retiresOn: string | null; deprecatedOn: string | null; successor: string | null; source: string; asOf: string };
    }>;
    const byId = (id: string) => models.find((model) => model.id === id)!;
    assert.deepEqual(
      [byId('claude-sonnet-4-5-20250929').lifecycle.state, byId('claude-sonnet-4-5-20250929').lifecycle.retiresOn, byId('claude-sonnet-4-5-20250929').retired],
      ['retired', '2026-11-30', '2026-11-30'],
    );
    const opus = byId('claude-opus-4-5-20251101');
    assert.deepEqual([opus.lifecycle.state, opus.lifecycle.deprecatedOn, opus.lifecycle.retiresOn, opus.retired], ['deprecated', '2026-11-23', '2027-01-22', null]);
    assert.match(opus.lifecycle.source, /sdk/);
    assert.equal(byId('claude-opus-5').lifecycle.state, 'legacy');
    assert.deepEqual(byId('claude-sonnet-5-5').unverified, ['cacheRead']);
    assert.equal(byId('claude-sonnet-5-5').rates.cacheRead, 0.1);
    const earlier = JSON.parse((await run(['models', '--json', '--date', '2026-10-01'])).out) as typeof models;
    assert.equal(earlier.find((model) => model.id === 'claude-sonnet-5-5')!.rates.cacheRead, 0.2);
    assert.equal(earlier.find((model) => model.id === 'claude-sonnet-4-5-20250929')!.retired, null);
  });

  it('rejects an unknown option with exit code 2', async () => {
    const { code, err } = await run(['models', '--csv']);
    assert.equal(code, 2);
    assert.match(err, /--csv/);
  });
});
