import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { loadCliSettings } from '../../../src/cli/workspaceSettings';
import { recordingIo } from '../support/recordingIo';

const CLOCK_IN_SYSTEM = path.resolve(__dirname, '../../fixtures/analysis/python/clock_in_system.py');

function workspaceWithSettings(settingsText?: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-settings-'));
  if (settingsText !== undefined) {
    fs.mkdirSync(path.join(root, '.vscode'));
    fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), settingsText);
  }
  return root;
}

describe('cli/workspaceSettings', () => {
  it('reads batchlens settings from a .vscode/settings.json with comments and trailing commas', () => {
    const root = workspaceWithSettings(`{
      // team defaults
      "batchlens.defaultModel": "claude-haiku-4-5",
      "batchlens.exclude": ["*.log"],
      "batchlens.maxFileBytes": 2048,
      "batchlens.modelOverrides": { "claude-sonnet-4-6": { "inputUsdPerMTok": 2 } },
      "editor.tabSize": 2,
    }`);
    const io = recordingIo(root);
    const settings = loadCliSettings(io);
    assert.equal(settings.defaultModel, 'claude-haiku-4-5');
    assert.deepEqual(settings.exclude, ['*.log']);
    assert.equal(settings.maxFileBytes, 2048);
    assert.equal(settings.modelOverrides['claude-sonnet-4-6']?.inputUsdPerMTok, 2);
    assert.equal(io.err, '');
  });

  it('gives the schema defaults without a settings file', () => {
    const settings = loadCliSettings(recordingIo(workspaceWithSettings()));
    assert.equal(settings.defaultModel, 'claude-sonnet-4-6');
    assert.equal(settings.maxFileBytes, 1_000_000);
    assert.equal(settings.apiTimeoutSeconds, 120);
    assert.deepEqual(settings.modelOverrides, {});
    assert.deepEqual(settings.exclude, []);
  });

  it('warns about malformed files and values, and keeps going with defaults', () => {
    const broken = recordingIo(workspaceWithSettings('{ "batchlens.defaultModel": '));
    assert.equal(loadCliSettings(broken).defaultModel, 'claude-sonnet-4-6');
    assert.match(broken.err, /ignoring .*settings\.json/);

    const wrongType = recordingIo(workspaceWithSettings('{ "batchlens.maxFileBytes": "big", "batchlens.exclude": "*.log" }'));
    const settings = loadCliSettings(wrongType);
    assert.equal(settings.maxFileBytes, 1_000_000);
    assert.deepEqual(settings.exclude, []);
    assert.match(wrongType.err, /batchlens\.maxFileBytes/);
    assert.match(wrongType.err, /batchlens\.exclude/);
  });

  it('makes `price` use a negotiated rate from batchlens.modelOverrides, as the editor does', async () => {
    const root = workspaceWithSettings('{ "batchlens.modelOverrides": { "claude-sonnet-4-6": { "inputUsdPerMTok": 2 } } }');
    const io = recordingIo(root);
    const code = await runCli(['price', '--model', 'claude-sonnet-4-6', '--input-tokens', '1000000', '--output-tokens', '0', '--json'], io);
    assert.equal(code, 0, io.err);
    const output = JSON.parse(io.out) as { sync: { totalUsd: number }; batch: { totalUsd: number } };
    assert.equal(output.sync.totalUsd, 2);
    assert.equal(output.batch.totalUsd, 1);
  });

  it('makes `lint` honour batchlens.lint.disabledRules, as the editor does', async () => {
    const withRule = recordingIo(workspaceWithSettings());
    await runCli(['lint', CLOCK_IN_SYSTEM, '--format', 'json'], withRule);
    const codes = (out: string) => (JSON.parse(out) as { files: { findings: { code: string }[] }[] }).files.flatMap((file) => file.findings.map((finding) => finding.code));
    assert.ok(codes(withRule.out).includes('BL001'), 'the fixture has a BL001 to turn off');

    const withoutRule = recordingIo(workspaceWithSettings('{ "batchlens.lint.disabledRules": ["BL001"] }'));
    await runCli(['lint', CLOCK_IN_SYSTEM, '--format', 'json'], withoutRule);
    assert.ok(!codes(withoutRule.out).includes('BL001'));
  });

  it('makes `lint` report values of unknown stability only with batchlens.lint.reportUnknownValues', async () => {
    const source =
      'import anthropic\nclient = anthropic.Anthropic()\ndef ask(q, user_name):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ' +
      'system=[{"type": "text", "text": f"You are the support agent. Greet {user_name}.", "cache_control": {"type": "ephemeral"}}], messages=[{"role": "user", "content": q}])\n';
    const run = async (settingsText: string | undefined): Promise<{ code: string; severity: string; message: string }[]> => {
      const root = workspaceWithSettings(settingsText);
      const file = path.join(root, 'agent.py');
      fs.writeFileSync(file, source);
      const io = recordingIo(root);
      await runCli(['lint', file, '--format', 'json'], io);
      return (JSON.parse(io.out) as { files: { findings: { code: string; severity: string; message: string }[] }[] }).files.flatMap((entry) => entry.findings);
    };
    assert.deepEqual((await run(undefined)).filter((finding) => finding.code === 'BL001'), []);
    const reported = (await run('{ "batchlens.lint.reportUnknownValues": true }')).filter((finding) => finding.code === 'BL001');
    assert.equal(reported.length, 1);
    assert.equal(reported[0].severity, 'info');
    assert.match(reported[0].message, /`user_name`.*unknown.*a caller passing a clock/);
  });

  it('makes `lint` leave out the hints with batchlens.hints.enabled false, as the editor does', async () => {
    const loop = path.resolve(__dirname, '../../fixtures/analysis/python/create_in_loop.py');
    const codes = async (settingsText: string | undefined) => {
      const io = recordingIo(workspaceWithSettings(settingsText));
      await runCli(['lint', loop, '--format', 'json'], io);
      return (JSON.parse(io.out) as { files: { findings: { code: string }[] }[] }).files.flatMap((file) => file.findings.map((finding) => finding.code));
    };
    assert.ok((await codes(undefined)).includes('BL101'), 'the fixture has a batch-candidate hint');
    assert.ok(!(await codes('{ "batchlens.hints.enabled": false }')).includes('BL101'));
  });

  it('makes `cost` price US-only inference with batchlens.usResidency, as the lens does', async () => {
    const seed = path.resolve(__dirname, '../../fixtures/analysis/python/seed001_call_with_cache.py');
    const syncPrices = async (settingsText: string | undefined) => {
      const io = recordingIo(workspaceWithSettings(settingsText));
      assert.equal(await runCli(['cost', seed, '--model', 'claude-sonnet-4-6', '--json'], io), 0, io.err);
      return (JSON.parse(io.out) as { files: { prompts: { tokens: number; costs: { syncUsd: number } }[] }[] }).files.flatMap((file) => file.prompts);
    };
    const plain = await syncPrices(undefined);
    const us = await syncPrices('{ "batchlens.usResidency": true }');
    assert.ok(plain.length > 0 && plain.some((prompt) => prompt.tokens > 0));
    assert.equal(us.length, plain.length);
    // Sonnet 4.6 costs 1.1x for US-only inference; the token counts stay the same.
    for (const [index, prompt] of plain.entries()) {
      assert.equal(us[index]!.tokens, prompt.tokens);
      assert.ok(Math.abs(us[index]!.costs.syncUsd - prompt.costs.syncUsd * 1.1) < 1e-9, `${us[index]!.costs.syncUsd} is 1.1 x ${prompt.costs.syncUsd}`);
    }
  });
});
