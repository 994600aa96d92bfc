import { strict as assert } from 'node:assert';
import {
  BUILTIN_MODELS,
  CATALOG_AS_OF,
  CATALOG_SOURCE,
  UnknownModelError,
  currentModels,
  findModel,
  resolveModel,
} from '../../../../src/core/pricing/catalog';
import type { ModelEntry } from '../../../../src/core/pricing/modelEntry';

function model(id: string): ModelEntry {
  const entry = findModel(id);
  assert.ok(entry, `the catalog has ${id}`);
  return entry;
}

describe('pricing catalog', () => {
  // Reference §5 main table: input, output, 5m write, 1h write, cache read (USD per MTok).
  const mainTable: Array<[string, number, number, number, number, number]> = [
    ['claude-fable-5', 10, 50, 12.5, 20, 1],
    ['claude-mythos-5', 10, 50, 12.5, 20, 1],
    ['claude-opus-5', 5, 25, 6.25, 10, 0.5],
    ['claude-opus-4-8', 5, 25, 6.25, 10, 0.5],
    ['claude-opus-4-7', 5, 25, 6.25, 10, 0.5],
    ['claude-opus-4-6', 5, 25, 6.25, 10, 0.5],
    ['claude-opus-4-5-20251101', 5, 25, 6.25, 10, 0.5],
    ['claude-sonnet-5', 2, 10, 2.5, 4, 0.2],
    ['claude-sonnet-4-6', 3, 15, 3.75, 6, 0.3],
    ['claude-sonnet-4-5-20250929', 3, 15, 3.75, 6, 0.3],
    ['claude-haiku-4-5-20251001', 1, 5, 1.25, 2, 0.1],
    ['claude-opus-4-1-20250805', 15, 75, 18.75, 30, 1.5],
    ['claude-opus-4-20250514', 15, 75, 18.75, 30, 1.5],
    ['claude-sonnet-4-20250514', 3, 15, 3.75, 6, 0.3],
    ['claude-3-5-haiku-20241022', 0.8, 4, 1, 1.6, 0.08],
    // §5 last bullets (partly verified)
    ['claude-fable-5-1', 10, 50, 12.5, 20, 0.25],
    ['claude-opus-5-5', 4, 20, 5, 8, 0.2],
    ['claude-sonnet-5-5', 2, 10, 2.5, 4, 0.1],
    // §0 (2026-12-04)
    ['claude-fable-5-2', 8, 40, 10, 16, 0.2],
    ['claude-mythos-5-2', 8, 40, 10, 16, 0.2],
    ['claude-3-haiku-20240307', 0.25, 1.25, 0.3, 0.5, 0.03],
    ['claude-haiku-5-5', 0.1, 0.5, 0.125, 0.2, 0.01],
  ];
  for (const [id, input, output, write5m, write1h, read] of mainTable) {
    it(`prices ${id} as the reference table does`, () => {
      const entry = model(id);
      assert.deepEqual(entry.rates, { input, output, cacheWrite5m: write5m, cacheWrite1h: write1h, cacheRead: read });
      assert.equal(entry.batchPriceFactor, 0.5);
      assert.match(entry.asOf, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(entry.source.length > 20);
    });
  }

  it('labels every third-party-only figure as unverified, and none of the official main table', () => {
    assert.deepEqual(model('claude-fable-5-2').unverified, ['cacheWrite5m', 'cacheWrite1h', 'cacheRead']);
    assert.deepEqual(model('claude-sonnet-5-5').unverified, ['cacheRead']);
    assert.deepEqual(model('claude-haiku-5-5').unverified, ['cacheRead', 'minCacheableTokens']);
    assert.match(model('claude-fable-5-2').source, /third-party/);
    for (const id of ['claude-sonnet-4-6', 'claude-opus-5', 'claude-haiku-4-5', 'claude-opus-5-5']) {
      assert.equal(model(id).unverified, undefined, id);
    }
  });

  const aliases: Array<[string, string]> = [
    ['claude-haiku-4-5', 'claude-haiku-4-5-20251001'],
    ['  Claude-Sonnet-4-6 ', 'claude-sonnet-4-6'],
    // Bedrock (with and without a cross-region prefix) and Vertex spellings of first-party ids.
    ['anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001'],
    ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001'],
    ['global.anthropic.claude-sonnet-4-6', 'claude-sonnet-4-6'],
    ['anthropic.claude-haiku-5-5', 'claude-haiku-5-5'],
    ['claude-haiku-4-5@20251001', 'claude-haiku-4-5-20251001'],
    ['claude-opus-4-6', 'claude-opus-4-6'],
  ];
  for (const [alias, id] of aliases) {
    it(`resolves ${JSON.stringify(alias)} to ${id} without a note`, () => {
      const resolved = resolveModel(alias, undefined, '2026-12-04');
      assert.equal(resolved.entry.id, id);
      assert.equal(resolved.note, undefined);
    });
  }

  it('resolves aliases of retired and deprecated models with a note naming the date and the successor', () => {
    const retired = resolveModel('anthropic.claude-sonnet-4-5-20250929-v1:0', undefined, '2026-12-04');
    assert.equal(retired.entry.id, 'claude-sonnet-4-5-20250929');
    assert.equal(retired.note, 'Sonnet 4.5 (claude-sonnet-4-5-20250929) was retired on 2026-11-30: requests to it fail; successor: claude-sonnet-5-5');
    const deprecated = resolveModel('claude-opus-4-5@20251101', undefined, '2026-12-04');
    assert.equal(deprecated.entry.id, 'claude-opus-4-5-20251101');
    assert.equal(deprecated.note, 'Opus 4.5 (claude-opus-4-5-20251101) is deprecated and retires on 2027-01-22; successor: claude-opus-5-5');
    assert.equal(resolveModel('claude-opus-4-5', undefined, '2026-11-22').note, undefined, 'no note before the deprecation was announced');
  });

  const minimums: Array<[string, number]> = [
    ['claude-opus-5', 512],
    ['claude-fable-5', 512],
    ['claude-mythos-5', 512],
    ['claude-opus-4-8', 1024],
    ['claude-sonnet-5', 1024],
    ['claude-sonnet-4-6', 1024],
    ['claude-sonnet-4-5', 1024],
    ['claude-opus-4-7', 2048],
    ['claude-3-5-haiku-20241022', 2048],
    ['claude-opus-4-6', 4096],
    ['claude-opus-4-5', 4096],
    ['claude-haiku-4-5', 4096],
    // §0: Haiku 5.5 is 512 (third-party), Haiku 3 is 2,048.
    ['claude-haiku-5-5', 512],
    ['claude-3-haiku-20240307', 2048],
  ];
  for (const [id, minimum] of minimums) {
    it(`needs ${minimum} tokens to cache on ${id} (reference §4)`, () => {
      assert.equal(model(id).minCacheableTokens, minimum);
    });
  }

  it('marks the newer tokenizer on 4.7+ and 5.x models and the previous one on Sonnet 4.6, Opus 4.6 and Haiku 4.5', () => {
    const newer = ['claude-opus-4-7', 'claude-opus-4-8', 'claude-opus-5', 'claude-fable-5', 'claude-mythos-5', 'claude-sonnet-5', 'claude-haiku-5-5', 'claude-opus-5-5'];
    const legacy = ['claude-sonnet-4-6', 'claude-opus-4-6', 'claude-opus-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-3-5-haiku-20241022'];
    for (const id of newer) assert.equal(model(id).tokenizer, 'new', id);
    for (const id of legacy) assert.equal(model(id).tokenizer, 'legacy', id);
  });

  it('gives 4.6+ models the 1M context window and the 1.1x US-residency multiplier, and older ones neither', () => {
    for (const id of ['claude-opus-4-6', 'claude-sonnet-4-6', 'claude-opus-4-8', 'claude-sonnet-5', 'claude-haiku-5-5']) {
      assert.equal(model(id).contextWindowTokens, 1_000_000, id);
      assert.equal(model(id).usResidencyMultiplier, 1.1, id);
    }
    for (const id of ['claude-sonnet-4-5', 'claude-opus-4-5', 'claude-haiku-4-5']) {
      assert.equal(model(id).contextWindowTokens, 200_000, id);
      assert.equal(model(id).usResidencyMultiplier, undefined, id);
    }
  });

  it('leaves models retired by a date out of currentModels(date)', () => {
    const onDay = currentModels('2026-12-04').map((entry) => entry.id);
    assert.ok(onDay.includes('claude-sonnet-4-6'));
    assert.ok(onDay.includes('claude-opus-4-5-20251101'), 'deprecated is still served');
    for (const id of ['claude-opus-4-1-20250805', 'claude-sonnet-4-5-20250929', 'claude-3-haiku-20240307']) assert.ok(!onDay.includes(id), id);
    assert.ok(currentModels('2026-11-29').some((entry) => entry.id === 'claude-sonnet-4-5-20250929'), 'served the day before it retired');
    assert.equal(onDay.length, BUILTIN_MODELS.length - 8);
  });

  it('prices Haiku 5.5 by prompt length with a band above 100k tokens', () => {
    assert.deepEqual(model('claude-haiku-5-5').bands?.map((band) => [band.aboveInputTokens, band.rates.input, band.rates.output]), [[100_000, 0.5, 2.5]]);
  });

  it('uses every id and alias once', () => {
    const names = BUILTIN_MODELS.flatMap((entry) => [entry.id, ...entry.aliases]);
    assert.equal(new Set(names).size, names.length);
  });

  it('dates the catalog by its newest entry and names its source', () => {
    assert.equal(CATALOG_AS_OF, [...BUILTIN_MODELS.map((entry) => entry.asOf)].sort().pop());
    assert.match(CATALOG_SOURCE, /platform\.claude\.com/);
  });

  for (const id of ['claude-sonnet-4-7', 'claude-opus-9', 'claude-mythos-preview', 'claude-sonnet-4-6-20250514']) {
    it(`reports ${id} as unknown instead of pricing it as another model of its family`, () => {
      assert.throws(() => resolveModel(id), (error: unknown) => error instanceof UnknownModelError && error.message.includes(`unknown model "${id}"`));
    });
  }

  it('suggests the nearest id for a typo or a wrong date suffix', () => {
    const suggestion = (id: string) => {
      try {
        resolveModel(id);
      } catch (error) {
        return error instanceof UnknownModelError ? error.suggestion : 'not an UnknownModelError';
      }
      return 'resolved';
    };
    assert.equal(suggestion('claude-sonnet-4-6-20250514'), 'claude-sonnet-4-6');
    assert.equal(suggestion('claude-sonet-4-6'), 'claude-sonnet-4-6');
    assert.equal(suggestion('claude-haiku-4-5-20251002'), 'claude-haiku-4-5');
    assert.equal(suggestion('gpt-4o'), undefined);
  });

  it('throws UnknownModelError for an id that names no model, and findModel returns undefined', () => {
    assert.throws(() => resolveModel('gpt-4o'), (error: unknown) => error instanceof UnknownModelError && /unknown model "gpt-4o"/.test(error.message));
    assert.throws(() => resolveModel(''), UnknownModelError);
    assert.equal(findModel('gpt-4o'), undefined);
    assert.equal(findModel('claude-sonnet-4-7'), undefined);
  });
});
