import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { recordingIo } from '../support/recordingIo';
import { FIXTURES } from '../core/analysis/support';

const ROOT = path.join(FIXTURES, '..', '..', '..');
const SEED = 'test/fixtures/analysis/python/seed004_ticket_in_system.py';

describe('batchlens lint', () => {
  it('prints findings as JSON with 1-based positions and exits 1 at the default threshold', async () => {
    const io = recordingIo(ROOT);
    const code = await runCli(['lint', SEED, '--format', 'json'], io);
    assert.equal(code, 1);
    const output = JSON.parse(io.out);
    assert.equal(output.files[0].path, SEED);
    const bl001 = output.files[0].findings.find((finding: { code: string }) => finding.code === 'BL001');
    assert.deepEqual(bl001, { ...bl001, code: 'BL001', severity: 'warning', line: 25, column: 36, endLine: 25, endColumn: 47 });
  });

  it('exits 0 when nothing reaches --fail-on, and 2 on usage errors', async () => {
    assert.equal(await runCli(['lint', 'test/fixtures/analysis/python/automatic_caching.py', '--fail-on', 'error'], recordingIo(ROOT)), 0);
    // The seed names claude-sonnet-4-5-20250929, retired on 2026-11-30: BL007 is an error.
    assert.equal(await runCli(['lint', SEED, '--fail-on', 'error'], recordingIo(ROOT)), 1);
    assert.equal(await runCli(['lint', 'test/fixtures/analysis/python/seed001_call_with_cache.py', '--fail-on', 'info'], recordingIo(ROOT)), 1);
    const io = recordingIo(ROOT);
    assert.equal(await runCli(['lint', SEED, '--format', 'xml'], io), 2);
    assert.match(io.err, /--format/);
    assert.equal(await runCli(['lint'], recordingIo(ROOT)), 2);
    assert.equal(await runCli(['lint', 'no/such/file.py'], recordingIo(ROOT)), 2);
  });

  it('writes SARIF 2.1.0 with the required properties, rules and fixes', async () => {
    const io = recordingIo(ROOT);
    await runCli(['lint', SEED, '--format', 'sarif'], io);
    const log = JSON.parse(io.out);
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-2\.1\.0/);
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'Batchlens');
    assert.ok(run.tool.driver.informationUri);
    assert.deepEqual(run.tool.driver.rules.map((rule: { id: string }) => rule.id), ['BL001', 'BL002', 'BL003', 'BL004', 'BL005', 'BL006', 'BL007', 'BL008', 'BL009', 'BL100', 'BL101']);
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.shortDescription.text && rule.helpUri.endsWith(`#${rule.id.toLowerCase()}`));
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
    }
    const result = run.results.find((candidate: { ruleId: string }) => candidate.ruleId === 'BL001');
    assert.equal(result.ruleId, 'BL001');
    assert.equal(result.level, 'warning');
    assert.ok(result.message.text.length > 0);
    const location = result.locations[0].physicalLocation;
    assert.equal(location.artifactLocation.uri, SEED);
    assert.deepEqual(location.region, { startLine: 25, startColumn: 36, endLine: 25, endColumn: 47 });
    const replacement = result.fixes[0].artifactChanges[0].replacements[0];
    assert.ok(replacement.deletedRegion.startLine >= 1 && typeof replacement.insertedContent.text === 'string');
  });

  it('walks folders honouring nested .gitignore files and skipping node_modules', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-lint-'));
    try {
      const bad = 'import anthropic\nc = anthropic.Anthropic()\ndef f(q, u):\n    return c.messages.create(model="claude-sonnet-4-6", max_tokens=5, system=[{"type": "text", "text": f"You are the assistant for the support team here. {u}", "cache_control": {"type": "ephemeral"}}], messages=[{"role": "user", "content": q}])\n';
      fs.mkdirSync(path.join(dir, 'src', 'gen'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'node_modules', 'pkg'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.gitignore'), 'ignored.py\n');
      fs.writeFileSync(path.join(dir, 'src', '.gitignore'), 'gen/\n');
      for (const file of ['src/app.py', 'ignored.py', 'src/gen/out.py', 'node_modules/pkg/x.py', 'README.md']) fs.writeFileSync(path.join(dir, file), bad);
      const io = recordingIo(dir);
      await runCli(['lint', '.', '--format', 'json'], io);
      assert.deepEqual(JSON.parse(io.out).files.map((file: { path: string }) => file.path), ['src/app.py']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints one text line per finding with a summary', async () => {
    const io = recordingIo(ROOT);
    await runCli(['lint', SEED], io);
    assert.match(io.out, new RegExp(`^${SEED}:25:36: warning BL001 `, 'm'));
    assert.match(io.out, new RegExp(`^${SEED}:16:22: error BL007 claude-sonnet-4-5-20250929 was retired on 2026-11-30`, 'm'));
    assert.match(io.out, /2 findings \(1 error, 1 warning, 0 info\) in 1 file\./);
  });
});

describe('batchlens cost', () => {
  it('lists SYSTEM_PROMPT and STATIC_SYSTEM with estimated tokens and prices', async () => {
    const io = recordingIo(ROOT);
    const code = await runCli(['cost', 'test/fixtures/analysis/python/seed001_call_with_cache.py', 'test/fixtures/analysis/python/seed000_optimized_client.py', '--json'], io);
    assert.equal(code, 0);
    const prompts = JSON.parse(io.out).files.flatMap((file: { prompts: unknown[] }) => file.prompts);
    const byName = new Map(prompts.map((prompt: { name: string }) => [prompt.name, prompt]));
    const system = byName.get('SYSTEM_PROMPT') as { tokens: number; exact: boolean; model: string; line: number; costs: Record<string, number> };
    assert.equal(system.model, 'claude-sonnet-4-5-20250929');
    assert.equal(system.line, 6);
    assert.equal(system.exact, false);
    assert.ok(system.tokens > 0);
    assert.ok(Math.abs(system.costs.syncUsd - (system.tokens * 3) / 1_000_000) < 1e-12);
    assert.ok(Math.abs(system.costs.batchUsd - system.costs.syncUsd / 2) < 1e-12);
    assert.ok(Math.abs(system.costs.cacheReadUsd - system.costs.syncUsd / 10) < 1e-12);
    assert.ok(Math.abs(system.costs.cacheWrite5mUsd - system.costs.syncUsd * 1.25) < 1e-12);
    const staticSystem = byName.get('STATIC_SYSTEM') as { tokens: number; model: string };
    assert.ok(staticSystem.tokens > 1024, `STATIC_SYSTEM is ${staticSystem.tokens} tokens`);
    assert.equal(staticSystem.model, 'claude-sonnet-4-6');
  });

  it('prices every prompt with --model and rejects an unknown model', async () => {
    const io = recordingIo(ROOT);
    await runCli(['cost', 'test/fixtures/analysis/python/seed001_call_with_cache.py', '--model', 'claude-haiku-4-5', '--json'], io);
    assert.equal(JSON.parse(io.out).files[0].prompts[0].model, 'claude-haiku-4-5-20251001');
    assert.equal(await runCli(['cost', 'test/fixtures/analysis/python/seed001_call_with_cache.py', '--model', 'gpt-4'], recordingIo(ROOT)), 2);
  });

  it('prints a table marked as estimates', async () => {
    const io = recordingIo(ROOT);
    await runCli(['cost', 'test/fixtures/analysis/python/seed001_call_with_cache.py'], io);
    assert.match(io.out, /SYSTEM_PROMPT\s+≈\d+/);
    assert.match(io.out, /estimates/);
  });
});
