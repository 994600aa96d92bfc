import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SETTINGS_SCHEMA, SETTING_KEYS, type SettingKey, settingId } from '../../../../src/core/settings/schema';

const ROOT = path.resolve(__dirname, '../../../..');

interface DeclaredSetting {
  type: string;
  default: unknown;
  enum?: string[];
  items?: { type: string; enum?: string[] };
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

/** Every `batchlens.*` property package.json declares, across its titled sections. */
function declaredSettings(): Map<string, DeclaredSetting> {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, DeclaredSetting> }[] } };
  const declared = new Map<string, DeclaredSetting>();
  for (const section of manifest.contributes.configuration) {
    for (const [id, property] of Object.entries(section.properties)) declared.set(id, property);
  }
  return declared;
}

describe('core/settings/schema against package.json', () => {
  const declared = declaredSettings();

  it('declares exactly the settings the schema validates, and no other', () => {
    assert.deepEqual([...declared.keys()].sort(), SETTING_KEYS.map(settingId).sort());
  });

  it('names every setting in the README\'s Settings section', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n### Settings');
    assert.ok(start >= 0, 'the README has a Settings section');
    const section = readme.slice(start, readme.indexOf('\n## ', start));
    const named = new Set([...section.matchAll(/`([a-zA-Z.]+)`/g)].map((match) => match[1]));
    assert.deepEqual(SETTING_KEYS.filter((key) => !named.has(key)), []);
  });

  for (const key of SETTING_KEYS) {
    it(`gives batchlens.${key} the schema's type, default, enum and limits`, () => {
      const property = declared.get(settingId(key));
      assert.ok(property, `package.json declares ${settingId(key)}`);
      const spec = SETTINGS_SCHEMA[key as SettingKey];
      assert.equal(property.type, spec.type);
      assert.deepEqual(property.default, spec.default);
      if (spec.type === 'string') {
        assert.deepEqual(property.enum, spec.enum);
        assert.equal(property.pattern, spec.pattern);
      } else {
        assert.equal(property.enum, undefined);
      }
      if (spec.type === 'number') {
        assert.equal(property.minimum, spec.minimum);
        assert.equal(property.maximum, spec.maximum);
      } else {
        assert.equal(property.minimum, undefined);
        assert.equal(property.maximum, undefined);
      }
      if (spec.type === 'array') {
        assert.equal(property.items?.type, 'string');
        assert.deepEqual(property.items?.enum, spec.itemEnum === undefined ? undefined : [...spec.itemEnum]);
      }
    });
  }
});
