import { strict as assert } from 'node:assert';
import { cacheMinimumLensTitle, costLensTitle, costLensTooltip, formatPromptTokens, isBelowCacheMinimum } from '../../../../src/features/lens/lensText';
import { findModel } from '../../../../src/core/pricing/catalog';
import { pricePerCall } from '../../../../src/core/pricing/cost';

describe('lens/lensText', () => {
  // The design's example rounds the cache read to $0.0004; formatUsd keeps two significant digits everywhere (lens, CLI, tables).
  it('writes the cost lens in the design\'s shape, from the catalog price of Sonnet 4.6', () => {
    const sonnet = findModel('claude-sonnet-4-6')!;
    const prices = pricePerCall(sonnet, 1240);
    assert.equal(
      costLensTitle({ tokens: 1240, exact: false, modelName: sonnet.displayName, prices }),
      '≈1,240 tokens · Sonnet 4.6 $0.0037/call · batch $0.0019 · cached $0.00037',
    );
  });

  it('drops the ≈ when the count is exact', () => {
    assert.equal(formatPromptTokens(1240, true), '1,240 tokens');
    assert.equal(formatPromptTokens(1240, false), '≈1,240 tokens');
  });

  it('names the model and its minimum in the below-minimum warning', () => {
    assert.equal(cacheMinimumLensTitle('Sonnet 4.6', 1024), "⚠ below Sonnet 4.6's 1,024-token cache minimum");
  });

  const minimumCases: Array<{ name: string; cached?: boolean; tokens: number; expected: boolean }> = [
    { name: 'GREETING', cached: true, tokens: 300, expected: true },
    { name: 'SYSTEM_PROMPT', tokens: 300, expected: true },
    { name: 'system (messages.create)', tokens: 300, expected: true },
    { name: 'SYSTEM_PROMPT', tokens: 1024, expected: false },
    { name: 'USER_TEMPLATE', tokens: 300, expected: false },
    { name: 'USER_TEMPLATE', cached: false, tokens: 10, expected: false },
  ];
  for (const { name, cached, tokens, expected } of minimumCases) {
    it(`${expected ? 'warns' : 'does not warn'} for ${name}${cached ? ' (cached)' : ''} at ${tokens} tokens against a 1,024 minimum`, () => {
      assert.equal(isBelowCacheMinimum({ name, cached }, tokens, 1024), expected);
    });
  }

  it('says in the tooltip when run-time parts are not counted and why a model was substituted', () => {
    const tooltip = costLensTooltip({ exact: false, hasDynamicParts: true, modelNote: 'unknown model "claude-x", priced as Sonnet 4.6' });
    assert.match(tooltip, /^Estimated prompt tokens/);
    assert.match(tooltip, /not counted/);
    assert.match(tooltip, /priced as Sonnet 4\.6/);
    assert.doesNotMatch(costLensTooltip({ exact: true, hasDynamicParts: false }), /not counted/);
  });
});

describe('lens/lensText for an unknown model id', () => {
  it('says in the title which id is unknown and what it is priced as', () => {
    const sonnet = findModel('claude-sonnet-4-6')!;
    const title = costLensTitle({ tokens: 100, exact: false, modelName: sonnet.displayName, prices: pricePerCall(sonnet, 100), unknownModel: 'unknown model id claude-3-opus-20240229 — priced as claude-sonnet-4-6 (nearest)' });
    assert.match(title, / · ⚠ unknown model id claude-3-opus-20240229 — priced as claude-sonnet-4-6 \(nearest\)$/);
    assert.doesNotMatch(costLensTitle({ tokens: 100, exact: false, modelName: sonnet.displayName, prices: pricePerCall(sonnet, 100) }), /unknown/);
  });
});
