import * as assert from 'node:assert/strict';
import { buildCostPreview, describeCostPreview } from '../../../../src/core/batch/costPreview';
import { resolveModel } from '../../../../src/core/pricing/catalog';

const sonnet = resolveModel('claude-sonnet-4-6').entry;

describe('buildCostPreview', () => {
  it('prices the shared prefix as one 1h cache write and N-1 reads at the batch price (exact figures)', () => {
    const preview = buildCostPreview({
      model: sonnet,
      rowInputTokens: [2000, 2000, 2000],
      exactInputTokens: false,
      sharedPrefixTokens: 1500,
      ttl: '1h',
      maxTokens: 1000,
      skipped: [{ relativePath: '.env', reason: 'secret' }, { relativePath: 'a.bin', reason: 'binary' }, { relativePath: 'b.bin', reason: 'binary' }],
      batches: 1,
    });
    // Batch (x0.5): input 1,500 x $3 + 1h write 1,500 x $6 + reads 3,000 x $0.30 + output 3,000 x $15, per million.
    assert.equal(preview.batchUsd, 0.0297);
    assert.equal(preview.batchBreakdown.cacheWriteUsd, 0.0045);
    assert.equal(preview.batchBreakdown.cacheReadUsd, 0.00045);
    // Sync: 6,000 input x $3 + 3,000 output x $15, per million, no caching.
    assert.equal(preview.syncUsd, 0.063);
    assert.equal(preview.savingUsd, 0.0333);
    assert.equal(preview.savingPercent, 52.86);
    assert.equal(preview.inputTokens, 6000);
    assert.equal(preview.outputTokensBound, 3000);
    assert.equal(preview.cacheApplied, true);
    assert.equal(preview.label, 'estimate');
    assert.deepEqual(preview.skippedByReason, { secret: 1, binary: 2 });
    assert.ok(!preview.warnings.some((warning) => warning.includes('minimum cacheable')));
  });

  it('prices a 5m ttl write at the 5m rate', () => {
    const preview = buildCostPreview({ model: sonnet, rowInputTokens: [2000], exactInputTokens: false, sharedPrefixTokens: 1500, ttl: '5m', maxTokens: 0, skipped: [], batches: 1 });
    // 500 x $3 + 1,500 x $3.75, per million, x0.5.
    assert.equal(preview.batchUsd, 0.0035625);
  });

  it('warns and prices no caching when the shared prefix is below the model minimum', () => {
    const preview = buildCostPreview({ model: sonnet, rowInputTokens: [2000, 2000, 2000], exactInputTokens: false, sharedPrefixTokens: 500, ttl: '1h', maxTokens: 1000, skipped: [], batches: 1 });
    assert.equal(preview.cacheApplied, false);
    assert.equal(preview.batchUsd, 0.0315);
    assert.equal(preview.syncUsd, 0.063);
    assert.equal(preview.savingPercent, 50);
    assert.ok(preview.warnings.some((warning) => /below Sonnet 4\.6's minimum cacheable length \(1,024 tokens\)/.test(warning)));
  });

  it('prices each row in its own price band for models priced by prompt length', () => {
    const haiku55 = resolveModel('claude-haiku-5-5').entry;
    const preview = buildCostPreview({ model: haiku55, rowInputTokens: [50_000, 150_000], exactInputTokens: false, sharedPrefixTokens: 0, ttl: '1h', maxTokens: 100, skipped: [], batches: 1 });
    // Row 1 at $0.10/$0.50, row 2 over 100k at $0.50/$2.50 (per million).
    assert.equal(preview.syncUsd, 0.0803);
    assert.equal(preview.batchUsd, 0.04015);
  });

  it('says what it is in plain lines, marked as an estimate', () => {
    const preview = buildCostPreview({ model: sonnet, rowInputTokens: [2000, 2000, 2000], exactInputTokens: false, sharedPrefixTokens: 1500, ttl: '1h', maxTokens: 1000, skipped: [], batches: 2 });
    const text = describeCostPreview(preview).join('\n');
    assert.match(text, /Files: 3 in 2 batches/);
    assert.match(text, /Input tokens: ≈6,000 \(estimate\)/);
    assert.match(text, /Ceiling: ≈\$0\.030 if every row used all 3,000 output tokens/);
    assert.match(text, /Saving at the ceiling: .*\(52\.86%\)/);
    assert.match(text, /Expected output: ≈1,500 tokens \(no finished job of this template yet: output guessed at 25% of each row's input tokens/);
  });

  it('prices the expected cost with the default ratio when the template has no history', () => {
    const preview = buildCostPreview({ model: sonnet, rowInputTokens: [2000, 400], exactInputTokens: false, sharedPrefixTokens: 0, ttl: '5m', maxTokens: 300, skipped: [], batches: 1 });
    // 25% of input, capped at max_tokens: min(500, 300) + min(100, 300) = 400 output tokens.
    assert.equal(preview.expected.outputTokens, 400);
    // Batch: (2,400 x $3 + 400 x $15) / 1M x 0.5; sync: the same at full price.
    assert.equal(preview.expected.batchUsd, 0.0066);
    assert.equal(preview.expected.syncUsd, 0.0132);
    assert.equal(preview.expected.savingUsd, 0.0066);
    // The ceiling stays every row at max_tokens: 600 output tokens.
    assert.equal(preview.batchUsd, 0.0081);
    assert.ok(preview.expected.batchUsd < preview.batchUsd);
  });

  it('prices the expected cost from the template history, never above max_tokens', () => {
    const history = { basis: 'history' as const, meanOutputTokens: 120, rows: 10, jobs: 2 };
    const preview = buildCostPreview({ model: sonnet, rowInputTokens: [1000, 1000], exactInputTokens: false, sharedPrefixTokens: 0, ttl: '5m', maxTokens: 100, skipped: [], batches: 1, expectedOutput: history });
    assert.equal(preview.expected.outputTokens, 200, 'the 120-token mean is capped at max_tokens 100');
    const roomy = buildCostPreview({ model: sonnet, rowInputTokens: [1000, 1000], exactInputTokens: false, sharedPrefixTokens: 0, ttl: '5m', maxTokens: 1000, skipped: [], batches: 1, expectedOutput: history });
    assert.equal(roomy.expected.outputTokens, 240);
    // (2,000 x $3 + 240 x $15) / 1M x 0.5
    assert.equal(roomy.expected.batchUsd, 0.0048);
    assert.match(describeCostPreview(roomy).join('\n'), /from this template's history: 120 tokens per row on average over 10 finished rows \(2 jobs\)/);
  });
});
