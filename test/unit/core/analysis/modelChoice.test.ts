import { strict as assert } from 'node:assert';
import { chooseModel } from '../../../../src/core/analysis/modelChoice';

describe('analysis/modelChoice', () => {
  it('prices with the model the code names when the catalog knows it', () => {
    const choice = chooseModel('claude-haiku-4-5', 'claude-sonnet-4-6', {});
    assert.equal(choice.entry.id, 'claude-haiku-4-5-20251001');
    assert.equal(choice.note, undefined);
  });

  it('falls back to the default model when the code names none', () => {
    assert.equal(chooseModel(undefined, 'claude-opus-4-6', {}).entry.id, 'claude-opus-4-6');
  });

  it('never prices an unknown id of a known family as that family: it says so and uses the default', () => {
    const choice = chooseModel('claude-sonnet-9-9', 'claude-haiku-4-5', {});
    assert.equal(choice.entry.id, 'claude-haiku-4-5-20251001');
    assert.match(choice.note ?? '', /unknown model "claude-sonnet-9-9"/);
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
