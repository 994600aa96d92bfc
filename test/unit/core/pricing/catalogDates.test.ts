import { strict as assert } from 'node:assert';
import { BUILTIN_MODELS, entryAt, findModel, priceAt, resolveModel } from '../../../../src/core/pricing/catalog';
import { describeLifecycle, lifecycleAt, modelLifecycleAt } from '../../../../src/core/pricing/lifecycle';
import { canonicalModelId } from '../../../../src/core/pricing/modelIds';
import { pricePerCall } from '../../../../src/core/pricing/cost';
import type { ModelEntry } from '../../../../src/core/pricing/modelEntry';

function model(id: string): ModelEntry {
  const entry = findModel(id);
  assert.ok(entry, `the catalog has ${id}`);
  return entry;
}

describe('pricing catalog: dates', () => {
  describe('effective-dated prices', () => {
    it('reads Sonnet 5.5 cache hits at $0.20 until 2026-10-06 and at $0.10 from 2026-10-07', () => {
      assert.equal(priceAt('claude-sonnet-5-5', '2026-10-06').rates.cacheRead, 0.2);
      assert.equal(priceAt('claude-sonnet-5-5', '2026-10-07').rates.cacheRead, 0.1);
      assert.equal(priceAt('claude-sonnet-5-5', '2026-12-04').rates.cacheRead, 0.1);
      assert.equal(priceAt('claude-sonnet-5-5', Date.parse('2026-10-06T23:59:59Z')).rates.cacheRead, 0.2, 'a time in ms counts by its UTC day');
    });

    it('keeps every other Sonnet 5.5 price the same across the change', () => {
      const before = entryAt(model('claude-sonnet-5-5'), '2026-09-30').rates;
      const after = entryAt(model('claude-sonnet-5-5'), '2026-10-07').rates;
      assert.deepEqual({ ...before, cacheRead: 0 }, { ...after, cacheRead: 0 });
    });

    it('dates every earlier price window before the change it records and after no other', () => {
      assert.ok(BUILTIN_MODELS.some((entry) => (entry.earlierPrices ?? []).length > 0), 'at least one model has an earlier price window to check');
      for (const entry of BUILTIN_MODELS) {
        const windows = entry.earlierPrices ?? [];
        for (const [index, window] of windows.entries()) {
          assert.match(window.until, /^\d{4}-\d{2}-\d{2}$/, entry.id);
          if (index > 0) assert.ok(window.until > windows[index - 1]!.until, `${entry.id}: windows oldest first`);
          assert.ok(window.source.length > 20, entry.id);
        }
        if (windows.length > 0) assert.equal(entry.pricesSince, windows[windows.length - 1]!.until, `${entry.id}: current prices start where the last window ends`);
      }
    });

    it('leaves a model without price changes the same on any day', () => {
      const sonnet46 = model('claude-sonnet-4-6');
      assert.equal(entryAt(sonnet46, '2020-01-01'), sonnet46);
    });

    it('applies a user override on top of the dated prices', () => {
      const entry = priceAt('claude-sonnet-5-5', '2026-10-01', { 'claude-sonnet-5-5': { outputUsdPerMTok: 9 } });
      assert.equal(entry.rates.output, 9);
      assert.equal(entry.rates.cacheRead, 0.2);
    });
  });

  describe('lifecycle', () => {
    const table: Array<[string, string, string]> = [
      // id, day, expected description on that day (reference §0)
      ['claude-sonnet-4-5-20250929', '2026-11-29', 'deprecated, retires 2026-11-30'],
      ['claude-sonnet-4-5-20250929', '2026-11-30', 'retired 2026-11-30'],
      ['claude-opus-4-5-20251101', '2026-11-22', 'legacy'],
      ['claude-opus-4-5-20251101', '2026-11-23', 'deprecated, retires 2027-01-22'],
      ['claude-opus-4-5-20251101', '2026-12-04', 'deprecated, retires 2027-01-22'],
      ['claude-opus-4-5-20251101', '2027-01-22', 'retired 2027-01-22'],
      ['claude-opus-4-1-20250805', '2026-08-05', 'retired 2026-08-05'],
      ['claude-opus-4-20250514', '2026-06-15', 'retired 2026-06-15'],
      ['claude-sonnet-4-20250514', '2026-06-15', 'retired 2026-06-15'],
      ['claude-3-haiku-20240307', '2026-04-20', 'retired 2026-04-20'],
      ['claude-3-5-haiku-20241022', '2026-02-19', 'retired 2026-02-19'],
      ['claude-3-7-sonnet-20250219', '2026-02-19', 'retired 2026-02-19'],
      ['claude-3-5-sonnet-20241022', '2025-10-22', 'retired 2025-10-22'],
      ['claude-opus-5', '2026-12-04', 'legacy'],
      ['claude-sonnet-5', '2026-12-04', 'legacy'],
      ['claude-fable-5', '2026-12-04', 'legacy'],
      ['claude-fable-5-2', '2026-12-04', 'active'],
      ['claude-sonnet-5-5', '2026-12-04', 'active'],
    ];
    for (const [id, day, expected] of table) {
      it(`${id} on ${day}: ${expected}`, () => {
        assert.equal(describeLifecycle(modelLifecycleAt(model(id), day)), expected);
      });
    }

    it('records when the Opus 4.5 deprecation was announced, with its source', () => {
      const facts = modelLifecycleAt(model('claude-opus-4-5'), '2026-12-04');
      assert.equal(facts.deprecatedOn, '2026-11-23');
      assert.equal(facts.successor, 'claude-opus-5-5');
      assert.match(facts.source, /@anthropic-ai\/sdk 1\.1[23]/);
      assert.equal(facts.asOf, '2026-12-04');
    });

    it('gives every model a lifecycle source, an as-of date and, once retiring, a successor in the catalog', () => {
      assert.ok(BUILTIN_MODELS.some((entry) => entry.lifecycle.retiresOn), 'at least one retiring model has a successor to check');
      for (const entry of BUILTIN_MODELS) {
        assert.ok(entry.lifecycle.source.length > 10, entry.id);
        assert.match(entry.lifecycle.asOf, /^\d{4}-\d{2}-\d{2}$/, entry.id);
        if (entry.lifecycle.retiresOn) {
          assert.ok(entry.lifecycle.successor && findModel(entry.lifecycle.successor), `${entry.id} has a known successor`);
          assert.equal(modelLifecycleAt(findModel(entry.lifecycle.successor)!, '2026-12-04').state, 'active', `${entry.id}'s successor is active`);
        }
      }
    });

    it('is deprecated from the announcement even with no retirement date, and retired only with one', () => {
      assert.equal(lifecycleAt({ base: 'active', deprecatedOn: '2026-01-01', source: 's', asOf: '2026-01-01' }, '2026-02-01').state, 'deprecated');
      assert.equal(lifecycleAt({ base: 'active', deprecatedOn: '2026-01-01', source: 's', asOf: '2026-01-01' }, '2025-12-31').state, 'active');
    });
  });

  describe('ids', () => {
    const forms: Array<[string, string]> = [
      ['anthropic.claude-3-5-haiku-20241022-v1:0', 'claude-3-5-haiku-20241022'],
      ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5-20250929'],
      ['eu.anthropic.claude-opus-4-6-v1', 'claude-opus-4-6'],
      ['claude-3-5-haiku@20241022', 'claude-3-5-haiku-20241022'],
      ['claude-sonnet-4-6@default', 'claude-sonnet-4-6'],
      ['CLAUDE-SONNET-4-6', 'claude-sonnet-4-6'],
      ['claude-sonnet-4-6-20250514', 'claude-sonnet-4-6-20250514'],
      ['anthropic/claude-haiku-4-5', 'claude-haiku-4-5'],
    ];
    for (const [written, canonical] of forms) {
      it(`reads ${written} as ${canonical}`, () => {
        assert.equal(canonicalModelId(written), canonical);
      });
    }

    it('prices claude-fable-5-2 as Fable 5.2, not as Fable 5.1', () => {
      const { entry, note } = resolveModel('claude-fable-5-2', undefined, '2026-12-04');
      assert.equal(entry.displayName, 'Fable 5.2');
      assert.equal(entry.rates.input, 8);
      assert.equal(note, undefined);
    });
  });
});

describe('pricing catalog: unverified figures reach every display', () => {
  it('adds a note to per-call prices (the lens tooltip and table) for third-party price figures only', () => {
    assert.deepEqual(pricePerCall(model('claude-fable-5-2'), 1000).notes, ['Fable 5.2: 5m cache write, 1h cache write, cache read price from third-party sources only (unverified)']);
    assert.deepEqual(pricePerCall(model('claude-sonnet-4-6'), 1000).notes, []);
    assert.deepEqual(pricePerCall(model('claude-fable-5-1'), 1000).notes, [], 'an unverified minimum is not a price note');
  });
});
