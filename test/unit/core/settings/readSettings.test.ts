import { strict as assert } from 'node:assert';
import { defaultSettings, readAllSettings, readSetting } from '../../../../src/core/settings/readSettings';

describe('core/settings/readSettings', () => {
  it('gives every default for an unset setting, with no problem', () => {
    const all = readAllSettings(() => undefined);
    assert.deepEqual(all.problems, []);
    assert.equal(all.value.defaultModel, 'claude-sonnet-4-6');
    assert.equal(all.value.apiTimeoutSeconds, 120);
    assert.equal(all.value['results.location'], 'store');
    assert.deepEqual(all.value['lint.disabledRules'], []);
    assert.deepEqual(all.value.modelOverrides, {});
  });

  it('hands out a fresh copy of list defaults, so one caller cannot change another\'s', () => {
    const first = defaultSettings();
    first.exclude.push('*.log');
    assert.deepEqual(defaultSettings().exclude, []);
  });

  const ignored: Array<{ name: string; key: Parameters<typeof readSetting>[0]; raw: unknown; value: unknown }> = [
    { name: 'a string for a boolean', key: 'usResidency', raw: 'yes', value: false },
    { name: 'a number for a string', key: 'defaultModel', raw: 4, value: 'claude-sonnet-4-6' },
    { name: 'a value outside an enum', key: 'results.location', raw: 'elsewhere', value: 'store' },
    { name: 'a workspace id with a space', key: 'workspaceId', raw: 'wrkspc 01', value: '' },
    { name: 'a timeout above the maximum takes the maximum', key: 'apiTimeoutSeconds', raw: 7200, value: 3600 },
    { name: 'a timeout of zero', key: 'apiTimeoutSeconds', raw: 0, value: 120 },
    { name: 'a fractional count', key: 'maxRequestsPerBatch', raw: 2.5, value: 100_000 },
    { name: 'a negative amount', key: 'confirmAboveUsd', raw: -1, value: 1 },
    { name: 'a poll interval below its minimum takes the minimum', key: 'poll.maxIntervalSeconds', raw: 5, value: 10 },
    { name: 'an array for an object', key: 'modelOverrides', raw: [], value: {} },
  ];
  for (const { name, key, raw, value } of ignored) {
    it(`ignores ${name} (batchlens.${key}), keeps the default and says why`, () => {
      const checked = readSetting(key, raw);
      assert.deepEqual(checked.value, value);
      assert.equal(checked.problems.length, 1);
      assert.match(checked.problems[0]!, new RegExp(`batchlens\\.${key.replace('.', '\\.')}`));
    });
  }

  it('keeps well-formed values as given, trimmed', () => {
    assert.equal(readSetting('defaultModel', '  claude-haiku-4-5 ').value, 'claude-haiku-4-5');
    assert.equal(readSetting('apiTimeoutSeconds', 3600).value, 3600);
    assert.equal(readSetting('confirmAboveUsd', 0).value, 0);
    assert.equal(readSetting('results.location', 'besideSource').value, 'besideSource');
    assert.equal(readSetting('workspaceId', 'wrkspc_01').value, 'wrkspc_01');
  });

  it('reads a blank string as unset', () => {
    const checked = readSetting('defaultModel', '   ');
    assert.equal(checked.value, 'claude-sonnet-4-6');
    assert.deepEqual(checked.problems, []);
  });

  it('keeps the well-formed items of a list and names each one dropped', () => {
    const globs = readSetting('exclude', ['*.log', 3, 'dist/**']);
    assert.deepEqual(globs.value, ['*.log', 'dist/**']);
    assert.equal(globs.problems.length, 1);
    const rules = readSetting('lint.disabledRules', ['bl003', 'BL999']);
    assert.deepEqual(rules.value, ['BL003']);
    assert.equal(rules.problems.length, 1);
  });

  it('keeps the well-formed entries of batchlens.modelOverrides', () => {
    const checked = readSetting('modelOverrides', { 'claude-sonnet-4-6': { inputUsdPerMTok: 2 }, broken: { inputUsdPerMTok: 'two' } });
    assert.equal(checked.value['claude-sonnet-4-6']?.inputUsdPerMTok, 2);
    assert.equal(checked.value.broken, undefined);
    assert.ok(checked.problems.length >= 1);
  });
});
