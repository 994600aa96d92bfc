import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { userLevelValue } from '../../../src/host/userLevelSetting';

interface SettingContribution {
  scope?: string;
}
interface Manifest {
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: unknown; restrictedConfigurations?: unknown } };
  contributes: {
    configuration: { properties: Record<string, SettingContribution> } | Array<{ properties: Record<string, SettingContribution> }>;
    commands: Array<{ command: string; title: string }>;
  };
}

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as Manifest;
/** Every declared setting, whether `contributes.configuration` is one object or a list of sections. */
const settings: Record<string, SettingContribution> = Object.assign(
  {},
  ...(Array.isArray(manifest.contributes.configuration) ? manifest.contributes.configuration : [manifest.contributes.configuration]).map((section) => section.properties),
);

describe('settings that decide where the API key goes', () => {
  it('a workspace or folder value of apiBaseUrl is ignored: the user value answers', () => {
    assert.equal(userLevelValue({ defaultValue: '', globalValue: 'http://127.0.0.1:4010', workspaceValue: 'https://evil.example', workspaceFolderValue: 'https://evil2.example' }), 'http://127.0.0.1:4010');
  });

  it('with no user value the default answers, never the workspace value', () => {
    assert.equal(userLevelValue({ defaultValue: '', workspaceValue: 'https://evil.example' }), '');
  });

  it('batchlens.apiBaseUrl is machine-scoped in package.json', () => {
    assert.equal(settings['batchlens.apiBaseUrl']?.scope, 'machine');
  });

  it('untrusted workspaces are supported in a limited way, and the key-routing settings are restricted there', () => {
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    assert.equal(typeof untrusted?.description, 'string');
    assert.ok(Array.isArray(untrusted?.restrictedConfigurations));
    const restricted = untrusted.restrictedConfigurations as string[];
    for (const key of ['batchlens.apiBaseUrl', 'batchlens.workspaceId']) assert.ok(restricted.includes(key), `${key} is restricted`);
    for (const key of restricted) assert.ok(settings[key], `${key} is a declared setting`);
  });

  it('the settings the lens and lint read per file are resource-scoped, so a folder of a multi-root workspace can set them', () => {
    for (const key of ['defaultModel', 'modelOverrides', 'usResidency', 'lens.enabled', 'lens.includeTests', 'hints.enabled', 'lint.enabled', 'lint.disabledRules', 'lint.reportUnknownValues']) {
      assert.equal(settings[`batchlens.${key}`]?.scope, 'resource', `batchlens.${key}`);
    }
  });

  it('the settings a submission reads are resource-scoped too: files of a folder are batched under its settings', () => {
    for (const key of ['exclude', 'maxFileBytes', 'confirmAboveUsd', 'maxRequestsPerBatch', 'defaultTemplate']) {
      assert.equal(settings[`batchlens.${key}`]?.scope, 'resource', `batchlens.${key}`);
    }
  });

  it('"Batchlens: Clear Token Count Cache" is declared', () => {
    assert.ok(manifest.contributes.commands.some((command) => command.command === 'batchlens.clearTokenCountCache' && command.title === 'Clear Token Count Cache'));
  });
});
