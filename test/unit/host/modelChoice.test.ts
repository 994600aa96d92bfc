import { strict as assert } from 'node:assert';
import { estimateTextTokens } from '../../../src/core/tokens/estimate';
import { buildAnalysisOptions } from '../../../src/features/analysis/analysisOptions';
import { chooseModel } from '../../../src/features/analysis/modelChoice';

describe('analysis/modelChoice', () => {
  it('prices with the model the code names when the catalog knows it', () => {
    const choice = chooseModel('claude-haiku-4-5', 'claude-sonnet-4-6', {});
    assert.equal(choice.entry.id, 'claude-haiku-4-5-20251001');
    assert.equal(choice.note, undefined);
  });

  it('falls back to the default model when the code names none', () => {
    assert.equal(chooseModel(undefined, 'claude-opus-4-6', {}).entry.id, 'claude-opus-4-6');
  });

  it('says so when an unknown id of a known family is priced as that family', () => {
    const choice = chooseModel('claude-sonnet-9-9', 'claude-haiku-4-5', {});
    assert.equal(choice.entry.family, 'sonnet');
    assert.match(choice.note ?? '', /unknown model "claude-sonnet-9-9", priced as/);
  });

  it('falls back to the default, with a note, for an id that names no family', () => {
    const choice = chooseModel('gpt-4o', 'claude-haiku-4-5', {});
    assert.equal(choice.entry.id, 'claude-haiku-4-5-20251001');
    assert.match(choice.note ?? '', /unknown model "gpt-4o"/);
  });

  it('ends at the newest Sonnet, with a note, when the default is unusable too', () => {
    const choice = chooseModel('gpt-4o', 'llama', {});
    assert.equal(choice.entry.family, 'sonnet');
    assert.match(choice.note ?? '', /priced as Sonnet/);
  });
});

describe('analysis/analysisOptions', () => {
  it('gives the analyzer the catalog minimum and the model tokenizer estimate, overrides applied', () => {
    const options = buildAnalysisOptions({
      defaultModel: 'claude-sonnet-4-6',
      disabledRules: ['BL003'],
      overrides: { 'claude-haiku-4-5': { minCacheableTokens: 2048 } },
    });
    assert.deepEqual(options.disabledRules, ['BL003']);
    assert.equal(options.defaultModel, 'claude-sonnet-4-6');
    assert.equal(options.minCacheableTokens?.('claude-sonnet-4-6'), 1024);
    assert.equal(options.minCacheableTokens?.('claude-haiku-4-5'), 2048);
    const text = 'You are a careful assistant. Answer in JSON.\n'.repeat(20);
    assert.equal(options.estimateTokens?.(text, 'claude-opus-4-7'), estimateTextTokens(text, 'new'));
    assert.equal(options.estimateTokens?.(text, 'claude-sonnet-4-6'), estimateTextTokens(text, 'legacy'));
  });
});
