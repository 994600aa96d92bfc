import { strict as assert } from 'node:assert';
import { findModel } from '../../../../src/core/pricing/catalog';
import { type PriceMode, type TokenUsage, formatUsd, pricePerCall, priceUsage, usageFromApi } from '../../../../src/core/pricing/cost';
import type { ModelEntry } from '../../../../src/core/pricing/modelEntry';

function model(id: string): ModelEntry {
  const entry = findModel(id);
  assert.ok(entry, `the catalog has ${id}`);
  return entry;
}

const M = 1_000_000;

describe('pricing cost math', () => {
  it('prices 1M input + 1M output + 1M cache read on Sonnet 4.6 at exactly $18.30 sync and $9.15 batch', () => {
    const usage = { inputTokens: M, outputTokens: M, cacheReadTokens: M };
    const sync = priceUsage(model('claude-sonnet-4-6'), usage, { mode: 'sync' });
    const batch = priceUsage(model('claude-sonnet-4-6'), usage, { mode: 'batch' });
    assert.equal(sync.totalUsd, 18.3);
    assert.equal(batch.totalUsd, 9.15);
    assert.deepEqual([sync.inputUsd, sync.outputUsd, sync.cacheWriteUsd, sync.cacheReadUsd], [3, 15, 0, 0.3]);
    assert.deepEqual([batch.inputUsd, batch.outputUsd, batch.cacheWriteUsd, batch.cacheReadUsd], [1.5, 7.5, 0, 0.15]);
  });

  // One million tokens of one category on Sonnet 4.6, in each mode: the per-MTok price of that mode.
  const everyMode: Array<[string, TokenUsage, PriceMode, number]> = [
    ['input, sync', { inputTokens: M, outputTokens: 0 }, 'sync', 3],
    ['input, batch', { inputTokens: M, outputTokens: 0 }, 'batch', 1.5],
    ['output, sync', { inputTokens: 0, outputTokens: M }, 'sync', 15],
    ['output, batch', { inputTokens: 0, outputTokens: M }, 'batch', 7.5],
    ['5m cache write, sync', { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: M }, 'sync', 3.75],
    ['5m cache write, batch', { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: M }, 'batch', 1.875],
    ['1h cache write, sync', { inputTokens: 0, outputTokens: 0, cacheWrite1hTokens: M }, 'sync', 6],
    ['1h cache write, batch', { inputTokens: 0, outputTokens: 0, cacheWrite1hTokens: M }, 'batch', 3],
    ['cache read, sync', { inputTokens: 0, outputTokens: 0, cacheReadTokens: M }, 'sync', 0.3],
    ['cache read, batch', { inputTokens: 0, outputTokens: 0, cacheReadTokens: M }, 'batch', 0.15],
    ['a 1,240-token prompt, sync', { inputTokens: 1240, outputTokens: 0 }, 'sync', 0.00372],
    ['one output token, batch', { inputTokens: 0, outputTokens: 1 }, 'batch', 0.0000075],
  ];
  for (const [what, usage, mode, usd] of everyMode) {
    it(`prices ${what} on Sonnet 4.6 at exactly $${usd}`, () => {
      assert.equal(priceUsage(model('claude-sonnet-4-6'), usage, { mode }).totalUsd, usd);
    });
  }

  it('sums categories without floating-point drift (0.1 + 0.2 style)', () => {
    // Haiku 3.5 reads at $0.08 and Haiku 4.5 at $0.10: naive float sums give 0.30000000000000004-like totals.
    const haiku = priceUsage(model('claude-haiku-4-5'), { inputTokens: 100_000, outputTokens: 40_000, cacheReadTokens: 2 * M }, { mode: 'sync' });
    assert.equal(haiku.totalUsd, 0.5);
    const old = priceUsage(model('claude-3-5-haiku-20241022'), { inputTokens: 0, outputTokens: 0, cacheReadTokens: 3 * M, cacheWrite5mTokens: 7 }, { mode: 'batch' });
    assert.equal(old.totalUsd, 0.1200035);
  });

  // Cache reads in a batch: the batch discount stacks on the read multiplier (reference §4).
  // [model, input $/MTok, batch cache read $/MTok, as a fraction of input]
  const stacked: Array<[string, number, number, string]> = [
    ['claude-sonnet-4-6', 3, 0.15, '0.05x'],
    ['claude-haiku-4-5', 1, 0.05, '0.05x'],
    ['claude-opus-5', 5, 0.25, '0.05x'],
    ['claude-opus-5-5', 4, 0.1, '0.025x'], // reads at 0.05x
    ['claude-fable-5-1', 10, 0.125, '0.0125x'], // reads at 0.025x
  ];
  for (const [id, inputUsdPerMTok, batchReadUsdPerMTok, fraction] of stacked) {
    it(`prices a batch cache read on ${id} at ${fraction} its input price`, () => {
      const entry = model(id);
      assert.equal(entry.rates.input, inputUsdPerMTok);
      const read = priceUsage(entry, { inputTokens: 0, outputTokens: 0, cacheReadTokens: M }, { mode: 'batch' }).totalUsd;
      assert.equal(read, batchReadUsdPerMTok);
    });
  }

  it('prices reads on models whose read rate is not 0.1x at their own rate', () => {
    const read = (id: string) => priceUsage(model(id), { inputTokens: 0, outputTokens: 0, cacheReadTokens: M }, { mode: 'sync' }).totalUsd;
    assert.equal(read('claude-opus-5-5'), 0.2); // 0.05x of $4
    assert.equal(read('claude-fable-5-1'), 0.25); // 0.025x of $10
    assert.equal(read('claude-fable-5'), 1); // 0.1x of $10, for contrast
  });

  // Haiku 5.5: every token at the higher band once the prompt (input + writes + reads) exceeds 100k.
  const bands: Array<[string, TokenUsage, number, string]> = [
    ['a prompt of exactly 100,000 tokens', { inputTokens: 100_000, outputTokens: 1000 }, 0.0105, 'prompt up to 100,000 tokens'],
    ['a prompt of 100,001 tokens', { inputTokens: 100_001, outputTokens: 1000 }, 0.0525005, 'prompt over 100,000 tokens'],
    ['a prompt over 100k through cache reads', { inputTokens: 10_000, outputTokens: 0, cacheReadTokens: 95_000 }, 0.00975, 'prompt over 100,000 tokens'],
    ['a prompt over 100k through cache writes', { inputTokens: 1, outputTokens: 0, cacheWrite1hTokens: 100_000 }, 0.1000005, 'prompt over 100,000 tokens'],
    ['a short prompt with a long answer', { inputTokens: 99_999, outputTokens: 200_000 }, 0.1099999, 'prompt up to 100,000 tokens'],
  ];
  for (const [what, usage, usd, band] of bands) {
    it(`prices ${what} on Haiku 5.5 in the right band`, () => {
      const cost = priceUsage(model('claude-haiku-5-5'), usage, { mode: 'sync' });
      assert.equal(cost.totalUsd, usd);
      assert.equal(cost.band, band);
    });
  }

  it('names no band for models with a single price', () => {
    assert.equal(priceUsage(model('claude-sonnet-4-6'), { inputTokens: 500_000, outputTokens: 0 }, { mode: 'sync' }).band, undefined);
  });

  it('applies US residency at 1.1x to every category, stacked with batch', () => {
    const usage = { inputTokens: M, outputTokens: M, cacheWrite5mTokens: M, cacheReadTokens: M };
    const sync = priceUsage(model('claude-sonnet-4-6'), usage, { mode: 'sync', usResidency: true });
    assert.deepEqual([sync.inputUsd, sync.outputUsd, sync.cacheWriteUsd, sync.cacheReadUsd, sync.totalUsd], [3.3, 16.5, 4.125, 0.33, 24.255]);
    const batch = priceUsage(model('claude-sonnet-4-6'), usage, { mode: 'batch', usResidency: true });
    assert.equal(batch.totalUsd, 12.1275);
    assert.deepEqual(sync.notes, []);
  });

  it('prices US residency on a model that does not offer it without the multiplier, and says so', () => {
    const cost = priceUsage(model('claude-haiku-4-5'), { inputTokens: M, outputTokens: 0 }, { mode: 'sync', usResidency: true });
    assert.equal(cost.totalUsd, 1);
    assert.match(cost.notes[0] ?? '', /US-only inference is not offered for Haiku 4\.5/);
  });

  const badCounts: Array<[string, TokenUsage]> = [
    ['negative input', { inputTokens: -1, outputTokens: 0 }],
    ['fractional output', { inputTokens: 0, outputTokens: 1.5 }],
    ['NaN cache reads', { inputTokens: 0, outputTokens: 0, cacheReadTokens: Number.NaN }],
  ];
  for (const [what, usage] of badCounts) {
    it(`rejects ${what} with a RangeError`, () => {
      assert.throws(() => priceUsage(model('claude-sonnet-4-6'), usage, { mode: 'sync' }), RangeError);
    });
  }

  describe('the seeds\' worked examples, recomputed', () => {
    it('prices 5M input + 2M output on Sonnet at $45 sync and $22.50 batch, not $45,000 / $22,500', () => {
      // /work/shared/seeds/002_4369cc201e712c41.txt ("Real-World Cost Comparison") says $45,000 and
      // $22,500: off by 1,000x. Seed 001_3556d84d04e7b2ce.txt works the same job correctly at $45 / $22.50.
      const usage = { inputTokens: 5 * M, outputTokens: 2 * M };
      assert.equal(priceUsage(model('claude-sonnet-4-6'), usage, { mode: 'sync' }).totalUsd, 45);
      assert.equal(priceUsage(model('claude-sonnet-4-6'), usage, { mode: 'batch' }).totalUsd, 22.5);
      assert.equal(formatUsd(45), '$45.00');
    });

    it('prices a batch input token at $0.0000015 on Sonnet 4.6, not the $0.0015 of seed 002\'s snippet', () => {
      // 002_4369cc201e712c41.txt estimates `total_tokens * 0.0015`: 1M batch input tokens would read $1,500.
      assert.equal(priceUsage(model('claude-sonnet-4-6'), { inputTokens: M, outputTokens: 0 }, { mode: 'batch' }).totalUsd, 1.5);
    });

    it('prices 10,000 tickets of 100 tokens on Haiku 4.5 at $1.00 sync and $0.50 batch', () => {
      // 000_b74ccd0ddfabe229.txt: "roughly $1.00 in input tokens ... via Batch API: $0.50".
      const usage = { inputTokens: 10_000 * 100, outputTokens: 0 };
      assert.equal(priceUsage(model('claude-haiku-4-5'), usage, { mode: 'sync' }).totalUsd, 1);
      assert.equal(priceUsage(model('claude-haiku-4-5'), usage, { mode: 'batch' }).totalUsd, 0.5);
    });

    it('prices a 50,000-token prompt sent 500 times a day on Sonnet 4.6 at $75/day uncached', () => {
      // 000_b74ccd0ddfabe229.txt says "~$1,050/month" for this RAG app (no model named; Sonnet implied):
      // 25M input tokens a day at $3 is $75/day, $2,250 over 30 days.
      const day = priceUsage(model('claude-sonnet-4-6'), { inputTokens: 50_000 * 500, outputTokens: 0 }, { mode: 'sync' });
      assert.equal(day.totalUsd, 75);
      assert.equal(priceUsage(model('claude-sonnet-4-6'), { inputTokens: 50_000 * 500 * 30, outputTokens: 0 }, { mode: 'sync' }).totalUsd, 2250);
    });

    it('prices a cached 2,000-token system prompt at 1,000 calls/day and 80% hits at $1.98/day, not $1.44', () => {
      // 001_3556d84d04e7b2ce.txt: $6/day uncached is right; with caching it forgets the 1.25x write price.
      const sonnet = model('claude-sonnet-4-6');
      assert.equal(priceUsage(sonnet, { inputTokens: 2000 * 1000, outputTokens: 0 }, { mode: 'sync' }).totalUsd, 6);
      const cached = { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 2000 * 200, cacheReadTokens: 2000 * 800 };
      assert.equal(priceUsage(sonnet, cached, { mode: 'sync' }).totalUsd, 1.98);
    });

    it('prices seed 001\'s 50,000-call pipeline at $307.50/day baseline and $17.175/day optimised, not $10.07', () => {
      // 001_3556d84d04e7b2ce.txt, "Putting It All Together". Baseline: Sonnet, 1,800 input + 50 output per call.
      const baseline = priceUsage(model('claude-sonnet-4-6'), { inputTokens: 50_000 * 1800, outputTokens: 50_000 * 50 }, { mode: 'sync' });
      assert.equal(baseline.totalUsd, 307.5);
      // Optimised: Haiku 3.5 ($0.80/$4) in a batch; 300 dynamic tokens; the 1,500-token system prompt
      // written on 15% of calls ($1.00/M) and read on 85% ($0.08/M); 30 output tokens. The article
      // prices the cached part at $1.07; it is 11.25M x $0.50 + 63.75M x $0.04 = $5.625 + $2.55 = $8.175.
      const optimised = priceUsage(
        model('claude-3-5-haiku-20241022'),
        { inputTokens: 50_000 * 300, outputTokens: 50_000 * 30, cacheWrite5mTokens: 7500 * 1500, cacheReadTokens: 42_500 * 1500 },
        { mode: 'batch' },
      );
      assert.deepEqual([optimised.inputUsd, optimised.cacheWriteUsd, optimised.cacheReadUsd, optimised.outputUsd], [6, 5.625, 2.55, 3]);
      assert.equal(optimised.totalUsd, 17.175);
    });

    it('prices a 10,000-token prompt shared by 500 batch requests as 1 write + 499 reads: $0.76725, not $7.50', () => {
      // 003_2890d8a4b261da54.txt: "you pay full rate once, cache rate 499 times" (the first is a 1.25x write).
      const sonnet = model('claude-sonnet-4-6');
      const cached = priceUsage(sonnet, { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 10_000, cacheReadTokens: 499 * 10_000 }, { mode: 'batch' });
      assert.equal(cached.totalUsd, 0.76725);
      assert.equal(priceUsage(sonnet, { inputTokens: 500 * 10_000, outputTokens: 0 }, { mode: 'batch' }).totalUsd, 7.5);
    });
  });

  describe('pricePerCall', () => {
    it('prices a 1,240-token prompt on Sonnet 4.6 in every mode', () => {
      assert.deepEqual(pricePerCall(model('claude-sonnet-4-6'), 1240), {
        syncUsd: 0.00372,
        batchUsd: 0.00186,
        cacheWrite5mUsd: 0.00465,
        cacheWrite1hUsd: 0.00744,
        cacheReadUsd: 0.000372,
        batchCacheReadUsd: 0.000186,
        notes: [],
      });
    });

    it('prices a long prompt on Haiku 5.5 in its upper band and names it', () => {
      const prices = pricePerCall(model('claude-haiku-5-5'), 200_000);
      assert.equal(prices.syncUsd, 0.1);
      assert.equal(prices.batchCacheReadUsd, 0.005);
      assert.equal(prices.band, 'prompt over 100,000 tokens');
    });

    it('includes US residency when asked', () => {
      assert.equal(pricePerCall(model('claude-opus-4-8'), M, { usResidency: true }).syncUsd, 5.5);
    });
  });

  describe('usageFromApi', () => {
    it('splits cache writes by TTL and reads batch and US residency from the usage object', () => {
      const converted = usageFromApi({
        input_tokens: 12,
        output_tokens: 300,
        cache_creation_input_tokens: 5000,
        cache_read_input_tokens: 40_000,
        cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 4000 },
        service_tier: 'batch',
        inference_geo: 'us',
      });
      assert.deepEqual(converted, {
        usage: { inputTokens: 12, outputTokens: 300, cacheWrite5mTokens: 1000, cacheWrite1hTokens: 4000, cacheReadTokens: 40_000 },
        mode: 'batch',
        usResidency: true,
      });
    });

    it('counts every cache-creation token as a 5m write when the split is missing, and defaults to sync', () => {
      const converted = usageFromApi({ input_tokens: 5, output_tokens: 7, cache_creation_input_tokens: 2048, cache_read_input_tokens: null, service_tier: 'standard' });
      assert.deepEqual(converted, {
        usage: { inputTokens: 5, outputTokens: 7, cacheWrite5mTokens: 2048, cacheWrite1hTokens: 0, cacheReadTokens: 0 },
        mode: 'sync',
        usResidency: false,
      });
    });

    it('prices a real batch result\'s usage the same way as hand-built usage', () => {
      const { usage, mode } = usageFromApi({ input_tokens: M, output_tokens: M, cache_read_input_tokens: M, service_tier: 'batch' });
      assert.equal(priceUsage(model('claude-sonnet-4-6'), usage, { mode }).totalUsd, 9.15);
    });
  });

  describe('formatUsd', () => {
    const cases: Array<[number, string]> = [
      [0.0037, '$0.0037'],
      [0.00372, '$0.0037'],
      [1.24, '$1.24'],
      [18.3, '$18.30'],
      [45_000, '$45,000.00'],
      [0.5, '$0.50'],
      [0.0004, '$0.0004'],
      [0.00186, '$0.0019'],
      [0.00204, '$0.0020'],
      [0.002, '$0.002'],
      [0.0375, '$0.038'],
      [0, '$0.00'],
      [0.0000001, '<$0.000001'],
      [1_234_567.891, '$1,234,567.89'],
    ];
    for (const [usd, text] of cases) {
      it(`shows ${usd} as ${text}`, () => {
        assert.equal(formatUsd(usd), text);
      });
    }
  });
});
