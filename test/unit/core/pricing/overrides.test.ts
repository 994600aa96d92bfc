import { strict as assert } from 'node:assert';
import { findModel, resolveModel } from '../../../../src/core/pricing/catalog';
import { priceUsage } from '../../../../src/core/pricing/cost';
import { OVERRIDE_SOURCE, parseModelOverrides } from '../../../../src/core/pricing/overrides';

describe('pricing overrides (batchlens.modelOverrides)', () => {
  it('replaces only the given fields of a known model and says the figures are the user\'s', () => {
    const { overrides, errors } = parseModelOverrides({ 'claude-sonnet-4-6': { inputUsdPerMTok: 2.4, batchDiscount: 0.6 } });
    assert.deepEqual(errors, []);
    const { entry, note } = resolveModel('claude-sonnet-4-6', overrides);
    assert.equal(note, undefined);
    assert.equal(entry.rates.input, 2.4);
    assert.equal(entry.rates.output, 15);
    assert.equal(entry.rates.cacheRead, 0.3);
    assert.equal(entry.batchPriceFactor, 0.4);
    assert.equal(entry.source, OVERRIDE_SOURCE);
    // 1M batch input at the negotiated $2.40 with 60% off = $0.96, exactly.
    assert.equal(priceUsage(entry, { inputTokens: 1_000_000, outputTokens: 0 }, { mode: 'batch' }).totalUsd, 0.96);
    assert.equal(findModel('claude-sonnet-4-6')?.rates.input, 3, 'the built-in catalog is untouched');
  });

  it('applies an override keyed by an alias to the model it names', () => {
    const { overrides } = parseModelOverrides({ 'claude-sonnet-4-5': { outputUsdPerMTok: 12 } });
    assert.equal(resolveModel('claude-sonnet-4-5-20250929', overrides).entry.rates.output, 12);
    assert.equal(resolveModel('claude-sonnet-4-5', overrides).entry.rates.output, 12);
  });

  it('creates a new model from its family, with cache prices following a given input price', () => {
    const { overrides, errors } = parseModelOverrides({
      'claude-sonnet-6': { inputUsdPerMTok: 4, outputUsdPerMTok: 20, displayName: 'Sonnet 6' },
    });
    assert.deepEqual(errors, []);
    const { entry, note } = resolveModel('claude-sonnet-6', overrides);
    assert.equal(note, undefined, 'a model the user defined is not "unknown"');
    assert.equal(entry.id, 'claude-sonnet-6');
    assert.equal(entry.displayName, 'Sonnet 6');
    assert.equal(entry.family, 'sonnet');
    assert.deepEqual(entry.rates, { input: 4, output: 20, cacheWrite5m: 5, cacheWrite1h: 8, cacheRead: 0.4 });
    assert.equal(entry.source, OVERRIDE_SOURCE);
  });

  it('creates a model with a family given for an id that names none, dropping the template\'s price bands', () => {
    const { overrides, errors } = parseModelOverrides({ 'acme-tuned-1': { family: 'haiku', outputUsdPerMTok: 1 } });
    assert.deepEqual(errors, []);
    const { entry } = resolveModel('acme-tuned-1', overrides);
    assert.equal(entry.family, 'haiku');
    assert.equal(entry.rates.output, 1);
    assert.equal(entry.bands, undefined);
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['a negative price', { 'claude-opus-5': { inputUsdPerMTok: -1 } }, /inputUsdPerMTok must be a number/],
    ['a price as a string', { 'claude-opus-5': { outputUsdPerMTok: '25' } }, /outputUsdPerMTok must be a number/],
    ['a discount above 1', { 'claude-opus-5': { batchDiscount: 50 } }, /batchDiscount must be a fraction/],
    ['a fractional minimum', { 'claude-opus-5': { minCacheableTokens: 10.5 } }, /minCacheableTokens must be a whole number/],
    ['an unknown family', { 'claude-opus-5': { family: 'gpt' } }, /family must be one of/],
    ['an unknown tokenizer', { 'claude-opus-5': { tokenizer: 'o200k' } }, /tokenizer must be "legacy" or "new"/],
    ['a misspelt field', { 'claude-opus-5': { inputUsd: 4 } }, /inputUsd is not a known field/],
    ['an entry that is not an object', { 'claude-opus-5': 4 }, /must be an object of fields/],
    ['a new id without a family', { 'acme-1': { inputUsdPerMTok: 1 } }, /needs a "family"/],
  ];
  for (const [what, raw, message] of invalid) {
    it(`reports ${what} and drops that entry without throwing`, () => {
      const { overrides, errors } = parseModelOverrides(raw);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, message);
      assert.deepEqual(overrides, {});
    });
  }

  it('keeps the valid entries when another is bad', () => {
    const { overrides, errors } = parseModelOverrides({ 'claude-opus-5': { inputUsdPerMTok: 4 }, 'claude-haiku-4-5': { cacheReadUsdPerMTok: -2 } });
    assert.equal(errors.length, 1);
    assert.deepEqual(Object.keys(overrides), ['claude-opus-5']);
  });

  it('reports a setting that is not an object and treats a missing one as empty', () => {
    assert.deepEqual(parseModelOverrides(['claude-opus-5']), { overrides: {}, errors: ['batchlens.modelOverrides must be an object keyed by model id'] });
    assert.deepEqual(parseModelOverrides(undefined), { overrides: {}, errors: [] });
  });
});
