import { strict as assert } from 'node:assert';
import { isRuleCode } from '../../../../src/core/analysis/ruleRegistry';
import { checkDisabledRules } from '../../../../src/core/analysis/ruleSettings';

describe('analysis/ruleSettings', () => {
  const cases: Array<{ name: string; raw: unknown; value: string[]; problems: number }> = [
    { name: 'an unset setting', raw: undefined, value: [], problems: 0 },
    { name: 'well-formed codes', raw: ['BL001', 'BL101'], value: ['BL001', 'BL101'], problems: 0 },
    { name: 'codes in lower case or padded', raw: [' bl003 '], value: ['BL003'], problems: 0 },
    { name: 'an unknown code beside a good one', raw: ['BL999', 'BL002'], value: ['BL002'], problems: 1 },
    { name: 'a non-string item', raw: [3, 'BL004'], value: ['BL004'], problems: 1 },
    { name: 'a string instead of an array', raw: 'BL001', value: [], problems: 1 },
  ];
  for (const { name, raw, value, problems } of cases) {
    it(`keeps the valid rule codes of ${name}`, () => {
      const checked = checkDisabledRules(raw);
      assert.deepEqual(checked.value, value);
      assert.equal(checked.problems.length, problems);
    });
  }

  it('recognises exactly the Batchlens rule codes', () => {
    assert.ok(isRuleCode('BL006'));
    assert.ok(isRuleCode('BL100'));
    assert.ok(isRuleCode('BL007') && isRuleCode('BL009'));
    assert.ok(!isRuleCode('BL010'));
    assert.ok(!isRuleCode('bl001'));
  });
});
