// The editor and `batchlens lint` / `batchlens cost` over the same files and the same settings must
// report the same findings, the same prompts and the same prices. The editor side runs its real
// settings adapter (BatchlensConfig), shared analysis (PromptAnalysis), diagnostics and lens provider
// over a minimal `vscode` stand-in; the CLI side runs in-process from a workspace whose
// .vscode/settings.json holds the same values.
import { type DiagnosticSeverity, type FakeTextDocument, Disposable, fakeState, textDocument } from '../../support/fakeVscode';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../../src/cli/main';
import { resolveModel } from '../../../../src/core/pricing/catalog';
import { parseModelOverrides } from '../../../../src/core/pricing/overrides';
import { PromptAnalysis } from '../../../../src/features/analysis/promptAnalysis';
import { costLensTitle, missingPromptFileLensTitle } from '../../../../src/features/lens/lensText';
import { PromptCostLensProvider } from '../../../../src/features/lens/promptCostLensProvider';
import { CacheLintDiagnostics } from '../../../../src/features/lint/cacheLintDiagnostics';
import { BatchlensConfig } from '../../../../src/host/config';
import type { HostServices } from '../../../../src/host/services';
import { recordingIo } from '../../support/recordingIo';

const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'analysis');

/** Files with prompts, every rule family (caching, model, hints), unknown models and run-time placeholders. */
const FILES: Record<string, string> = {
  'python/clock_in_system.py': 'python',
  'python/constants_in_fstring.py': 'python',
  'python/create_in_loop.py': 'python',
  'python/opus_classifier.py': 'python',
  'python/prompt_constant_models.py': 'python',
  'python/seed001_call_with_cache.py': 'python',
  'python/env_and_unknown_calls.py': 'python',
  'typescript/cached_system_clean.ts': 'typescript',
  'typescript/chat_loop.ts': 'typescript',
  'javascript/triage_router.js': 'javascript',
  'javascript/batch_loop.js': 'javascript',
};

/** A file that reads its system prompt from a Markdown file, and names one that is not there. */
const WRITTEN: Record<string, { languageId?: string; text: string }> = {
  'file_prompts.py': {
    languageId: 'python',
    text: [
      'import anthropic',
      'from pathlib import Path',
      'SYSTEM = Path("prompts/agent_system.md").read_text()',
      'GUIDE = Path("prompts/not_written_yet.md").read_text()',
      'client = anthropic.Anthropic()',
      'def answer(question):',
      '    return client.messages.create(',
      '        model="claude-sonnet-4-6",',
      '        max_tokens=300,',
      '        system=[{"type": "text", "text": SYSTEM + GUIDE, "cache_control": {"type": "ephemeral"}}],',
      '        messages=[{"role": "user", "content": question}],',
      '    )',
      '',
    ].join('\n'),
  },
  'prompts/agent_system.md': {
    text: 'You answer questions about the travel policy of the company. Quote the section you rely on, and say when the policy does not cover the case.\n',
  },
};

const SETTINGS_CASES: Record<string, Record<string, unknown>> = {
  'the defaults': {},
  'a team\'s settings (default model, residency, a disabled rule, hints off, unknown values, a negotiated rate)': {
    'batchlens.defaultModel': 'claude-haiku-4-5',
    'batchlens.usResidency': true,
    'batchlens.lint.disabledRules': ['BL003'],
    'batchlens.hints.enabled': false,
    'batchlens.lint.reportUnknownValues': true,
    'batchlens.modelOverrides': { 'claude-sonnet-4-6': { inputUsdPerMTok: 2 } },
  },
};

interface ShownFinding {
  file: string;
  code: string;
  severity: string;
  line: number;
  column: number;
  message: string;
}

interface ShownPrompt {
  file: string;
  line: number;
  title: string;
}

const SEVERITY_NAMES: Record<number, string> = { 0: 'error', 1: 'warning', 2: 'info' };

function memento() {
  const values = new Map<string, unknown>();
  return { get: (key: string) => values.get(key), update: async (key: string, value: unknown) => void values.set(key, value), keys: () => [...values.keys()] };
}

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, trace: () => undefined, show: () => undefined, redact: (text: string) => text };

/** A workspace holding copies of the fixtures and a .vscode/settings.json with `settings`. */
function workspaceWith(settings: Record<string, unknown>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-parity-'));
  for (const file of Object.keys(FILES)) fs.copyFileSync(path.join(FIXTURES, file), path.join(root, path.basename(file)));
  for (const [file, { text }] of Object.entries(WRITTEN)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  fs.mkdirSync(path.join(root, '.vscode'));
  fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  return root;
}

async function editorView(root: string, settings: Record<string, unknown>): Promise<{ findings: ShownFinding[]; prompts: ShownPrompt[] }> {
  fakeState.settings = settings;
  fakeState.workspaceFolder = root;
  fakeState.diagnostics.clear();
  const config = new BatchlensConfig(quietLog);
  const services = {
    config,
    log: quietLog,
    extensionContext: { extensionPath: ROOT, workspaceState: memento(), globalState: memento() },
    apiKeys: { onDidChange: () => new Disposable() },
    trust: { isTrusted: true, onDidGrant: () => new Disposable(), require: () => undefined },
    commands: { register: () => new Disposable() },
    createBatchApiQuietly: async () => undefined,
    workspaceRoot: () => root,
  } as unknown as HostServices;
  const analysis = new PromptAnalysis(services);
  const diagnostics = new CacheLintDiagnostics(services, analysis.cache);
  const lenses = new PromptCostLensProvider(services, analysis.cache, analysis.tokenCounts);
  const findings: ShownFinding[] = [];
  const prompts: ShownPrompt[] = [];
  try {
    const sources = [...Object.entries(FILES).map(([fixture, languageId]) => [path.basename(fixture), languageId] as const), ...Object.entries(WRITTEN).flatMap(([file, { languageId }]) => (languageId ? [[file, languageId] as const] : []))];
    for (const [file, languageId] of sources) {
      const document: FakeTextDocument = textDocument(path.join(root, file), languageId, fs.readFileSync(path.join(root, file), 'utf8'));
      const published = new Promise<void>((resolve) => {
        const subscription = fakeState.onDiagnostics.event((uri) => {
          if (uri === document.uri.toString()) {
            subscription.dispose();
            resolve();
          }
        });
      });
      // VS Code opens the document: the diagnostics feature lints it.
      fakeState.openDocument.fire(document);
      await published;
      for (const diagnostic of fakeState.diagnostics.get(document.uri.toString()) ?? []) {
        findings.push({
          file,
          code: String((diagnostic.code as { value: string }).value),
          severity: SEVERITY_NAMES[diagnostic.severity as DiagnosticSeverity]!,
          line: diagnostic.range.start.line + 1,
          column: diagnostic.range.start.character + 1,
          message: diagnostic.message,
        });
      }
      for (const placed of await lenses.provideCodeLenses(document as never)) {
        const lens = lenses.resolveCodeLens(placed);
        const title = lens.command?.title ?? '';
        // The cost lens only: the cache-minimum warning is the lens's own extra.
        if (!title.startsWith('⚠')) prompts.push({ file, line: lens.range.start.line + 1, title });
      }
    }
  } finally {
    lenses.dispose();
    diagnostics.dispose();
    analysis.dispose();
  }
  return { findings, prompts };
}

async function cliView(root: string, settings: Record<string, unknown>): Promise<{ findings: ShownFinding[]; prompts: ShownPrompt[] }> {
  const files = [...Object.keys(FILES).map((fixture) => path.basename(fixture)), ...Object.keys(WRITTEN).filter((file) => WRITTEN[file]!.languageId)];
  const lintIo = recordingIo(root);
  await runCli(['lint', ...files, '--format', 'json'], lintIo);
  const lint = JSON.parse(lintIo.out) as { files: { path: string; findings: Omit<ShownFinding, 'file'>[] }[] };
  const findings = lint.files.flatMap((file) => file.findings.map(({ code, severity, line, column, message }) => ({ file: file.path, code, severity, line, column, message })));

  const costIo = recordingIo(root);
  assert.equal(await runCli(['cost', ...files, '--json'], costIo), 0, costIo.err);
  const overrides = parseModelOverrides(settings['batchlens.modelOverrides'] ?? {}).overrides;
  type CostEntry = { kind: string; line: number; file?: string; tokens: number; exact: boolean; model: string; modelNote?: string; unpriced?: string; costs: { syncUsd: number; batchUsd: number; cacheReadUsd: number } };
  const cost = JSON.parse(costIo.out) as { files: { path: string; prompts: CostEntry[] }[] };
  const prompts = cost.files.flatMap((file) =>
    file.prompts
      .filter((entry) => entry.kind === 'constant')
      .map((entry) => ({
        file: file.path,
        line: entry.line,
        // The lens title the CLI's figures make: the same tokens, model and prices, or not equal.
        title: entry.unpriced
          ? missingPromptFileLensTitle(entry.file ?? '')
          : costLensTitle({ tokens: entry.tokens, exact: entry.exact, modelName: resolveModel(entry.model, overrides).entry.displayName, prices: entry.costs, unknownModel: entry.modelNote }),
      })),
  );
  return { findings, prompts };
}

const byPlace = <T extends { file: string; line: number }>(items: T[]) => [...items].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('the editor and the CLI agree', function () {
  this.timeout(60_000);

  for (const [name, settings] of Object.entries(SETTINGS_CASES)) {
    it(`shows the same findings, prompts and prices under ${name}`, async () => {
      const root = workspaceWith(settings);
      const editor = await editorView(root, settings);
      const cli = await cliView(root, settings);
      assert.ok(editor.findings.length >= 3 && editor.prompts.length >= 10, `the fixtures give something to compare (${editor.findings.length} findings, ${editor.prompts.length} prompts)`);
      assert.deepEqual(byPlace(editor.findings), byPlace(cli.findings));
      assert.deepEqual(byPlace(editor.prompts), byPlace(cli.prompts));
      const filePrompts = editor.prompts.filter((prompt) => prompt.file === 'file_prompts.py').map((prompt) => prompt.title);
      assert.ok(filePrompts.some((title) => /^≈\d+ tokens · Sonnet 4\.6 /.test(title)), `the prompt file is priced: ${filePrompts.join(' | ')}`);
      assert.ok(filePrompts.includes(missingPromptFileLensTitle('prompts/not_written_yet.md')), `the missing prompt file is named: ${filePrompts.join(' | ')}`);
    });
  }

  it('reads the settings: the team settings change both sides the same way', async () => {
    const [defaults, team] = Object.values(SETTINGS_CASES);
    const plain = await cliView(workspaceWith(defaults!), defaults!);
    const changed = await editorView(workspaceWith(team!), team!);
    const codes = (findings: ShownFinding[]) => new Set(findings.map((finding) => finding.code));
    assert.ok(codes(plain.findings).has('BL101') && !codes(changed.findings).has('BL101'), 'hints.enabled off drops the batch-candidate hint');
    assert.ok(codes(plain.findings).has('BL003') && !codes(changed.findings).has('BL003'), 'lint.disabledRules drops BL003');
    assert.notDeepEqual(byPlace(plain.prompts).map((prompt) => prompt.title), byPlace(changed.prompts).map((prompt) => prompt.title));
  });
});
