import { strict as assert } from 'node:assert';
import { currentModels, findModel } from '../../../../src/core/pricing/catalog';
import { checkPromptPricesArgs } from '../../../../src/features/prices/promptPricesArgs';
import { modelsWithOverrides, renderModelPricesMarkdown, renderPromptPricesMarkdown } from '../../../../src/features/prices/pricesMarkdown';

describe('prices/pricesMarkdown', () => {
  it('lists every catalog model with its prices, cache minimum, as-of date and source', () => {
    const markdown = renderModelPricesMarkdown({ overrides: {}, usResidency: false });
    for (const entry of currentModels()) {
      assert.ok(markdown.includes(`\`${entry.id}\``), `missing ${entry.id}`);
    }
    const sonnetLimits = markdown.split('\n').find((line) => line.startsWith('| Sonnet 4.6 | active ') && line.includes('| 1,024 |'));
    assert.ok(markdown.split('\n').some((line) => line.startsWith('| Sonnet 4.5 | retired 2026-11-30 ')), 'lifecycle shown');
    assert.ok(markdown.split('\n').some((line) => line.startsWith('| Fable 5.2 |') && line.includes('| unknown |')), 'unpublished minimum shown as unknown');
    assert.ok(markdown.split('\n').some((line) => line.startsWith('| Haiku 5.5 |') && line.includes('| 512 † |')), 'third-party minimum marked');
    assert.ok(sonnetLimits, 'Sonnet 4.6 should be listed with its 1,024-token minimum');
    assert.match(sonnetLimits, /\| 2026-08-21 \|/);
    assert.match(markdown, /as of 2026-/);
    assert.match(markdown, /Source:/);
  });

  it('prices a model as the user overrides it, and lists a model only the overrides define', () => {
    const models = modelsWithOverrides({ 'claude-sonnet-4-6': { inputUsdPerMTok: 2 }, 'claude-sonnet-9': { inputUsdPerMTok: 7 } }, false);
    assert.equal(models.find((entry) => entry.id === 'claude-sonnet-4-6')?.rates.input, 2);
    assert.equal(models.find((entry) => entry.id === 'claude-sonnet-9')?.rates.input, 7);
    assert.ok(!models.some((entry) => entry.id === 'claude-sonnet-4-5-20250929' || entry.id === 'claude-opus-4-1-20250805'), 'retired models are left out of per-prompt tables');
  });

  it('prices one prompt on every current model, marking estimates and the model in use', () => {
    const sonnet = findModel('claude-sonnet-4-6')!;
    const markdown = renderPromptPricesMarkdown({
      name: 'SYSTEM_PROMPT',
      models: currentModels(),
      usResidency: false,
      modelInUse: sonnet.id,
      tokensFor: (entry) => (entry.id === sonnet.id ? { tokens: 1240, exact: true } : { tokens: 1300, exact: false }),
    });
    const rows = markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Model'));
    assert.equal(rows.length, currentModels().length);
    const sonnetRow = rows.find((line) => line.startsWith('| Sonnet 4.6 **(in use)** |'));
    assert.ok(sonnetRow);
    // 1,240 tokens at $3 / $1.50 / $3.75 / $6 / $0.30 / $0.15 per MTok.
    assert.equal(sonnetRow, '| Sonnet 4.6 **(in use)** | 1,240 | $0.0037 | $0.0019 | $0.0047 | $0.0074 | $0.00037 | $0.00019 | 1,024 |');
    assert.match(markdown, /# Prices for `SYSTEM_PROMPT`/);
    assert.match(markdown, /≈1,300/);
    assert.match(markdown, /offline token estimate/);
  });

  it('flags models whose cache minimum the prompt does not reach', () => {
    const haiku = findModel('claude-haiku-4-5')!;
    const markdown = renderPromptPricesMarkdown({ name: 'p', models: [haiku], usResidency: false, tokensFor: () => ({ tokens: 2000, exact: false }) });
    assert.match(markdown, /4,096 ⚠ below 4,096 \|/);
  });
});

describe('prices/promptPricesArgs', () => {
  it('keeps the fields it knows and names an unnamed prompt', () => {
    assert.deepEqual(checkPromptPricesArgs({ text: 'Hi', model: ' claude-haiku-4-5 ', tokens: 12, exact: true, extra: 1 }), {
      name: 'prompt',
      text: 'Hi',
      model: 'claude-haiku-4-5',
      tokens: 12,
      exact: true,
    });
  });

  it('ignores a token count that is not a whole number', () => {
    assert.equal(checkPromptPricesArgs({ name: 'X', text: 'Hi', tokens: -3 }).tokens, undefined);
  });

  it('rejects a call without prompt text', () => {
    assert.throws(() => checkPromptPricesArgs(undefined), /needs a prompt/);
    assert.throws(() => checkPromptPricesArgs({ name: 'X' }), /needs the prompt text/);
  });
});
