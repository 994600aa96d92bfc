import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RULE_CODES, RULE_REGISTRY, isHintRule, isRuleCode, ruleDocsUrl } from '../../../../src/core/analysis/ruleRegistry';

const ROOT = path.resolve(__dirname, '../../../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The README's "Cache lint rules" section, up to the next top-level heading. */
function rulesSection(): string {
  const start = README.indexOf('\n## Cache lint rules');
  assert.ok(start >= 0, 'the README has a "Cache lint rules" section');
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** How the README's paragraph under a rule's heading opens, per default severity. */
const README_SEVERITY_WORD = { error: 'Error', warning: 'Warning', info: 'Information' } as const;

describe('core/analysis/ruleRegistry', () => {
  it('lists each rule code once', () => {
    assert.equal(new Set(RULE_CODES).size, RULE_REGISTRY.length);
    assert.ok(isRuleCode('BL006') && isRuleCode('BL101'));
    assert.ok(!isRuleCode('BL010') && !isRuleCode('bl001'));
  });

  it('is the enum of batchlens.lint.disabledRules in package.json', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { items?: { enum?: string[] } }> }[] } };
    const property = manifest.contributes.configuration.map((section) => section.properties['batchlens.lint.disabledRules']).find(Boolean);
    assert.deepEqual(property?.items?.enum, [...RULE_CODES]);
  });

  it('documents every rule in the README under its own anchor and heading, with its severity, and no rule the registry lacks', () => {
    const section = rulesSection();
    const documented = [...section.matchAll(/^### (BL\d{3})\b/gm)].map((match) => match[1]);
    assert.deepEqual(documented, [...RULE_CODES]);
    for (const rule of RULE_REGISTRY) {
      const anchor = new URL(ruleDocsUrl(rule.code)).hash.slice(1);
      const heading = new RegExp(`<a id="${anchor}"></a>\\n### ${rule.code} — [^\\n]+\\n\\n(\\w+)`);
      const match = heading.exec(section);
      assert.ok(match, `${rule.code}: an <a id="${anchor}"> right above its heading`);
      assert.equal(match[1], README_SEVERITY_WORD[rule.severity], `${rule.code}: the README opens with its severity`);
    }
  });

  it('links a rule to its README anchor', () => {
    assert.equal(ruleDocsUrl('BL001'), 'https://github.com/batchlens/batchlens/blob/main/README.md#bl001');
    assert.equal(ruleDocsUrl('BL101'), 'https://github.com/batchlens/batchlens/blob/main/README.md#bl101');
  });

  it('puts the hints, and only they, behind batchlens.hints.enabled', () => {
    assert.deepEqual(RULE_CODES.filter(isHintRule), ['BL100', 'BL101']);
  });
});
