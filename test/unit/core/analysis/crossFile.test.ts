import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyseFiles } from '../../../../src/core/analysis/analyseFiles';
import { lowerModuleWith } from '../../../../src/core/analysis/analyzer';
import { collectSourceFiles } from '../../../../src/core/analysis/sourceFiles';
import type { Finding } from '../../../../src/core/analysis/types';
import { importsOf, resolveSpec } from '../../../../src/core/analysis/workspaceImports';
import { WorkspaceIndex } from '../../../../src/core/analysis/workspaceIndex';
import { OPTIONS, analyzer, languageOf } from './support';

const PY_BOT = `import anthropic

client = anthropic.Anthropic()
GUIDE = "You are a support agent. " * 400


def respond(question, session_note):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=600,
        system=[{"type": "text", "text": f"{GUIDE}\\nNote: {session_note}", "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
`;

const TS_CHAT = `import Anthropic from '@anthropic-ai/sdk';
const client = new Anthropic();
const GUIDE = 'You are a support agent. '.repeat(400);

export async function answer(question: string, requestId: string) {
  return client.messages.create({
    model: 'claude-sonnet-4-6',
    max_tokens: 600,
    system: [{ type: 'text', text: \`\${GUIDE}\\nRequest \${requestId}\`, cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: question }],
  });
}
`;

function workspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-xfile-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

/** Findings per file (relative path) of `batchlens lint`'s pipeline over the folder. */
async function lintFolder(root: string): Promise<Map<string, Finding[]>> {
  const out = new Map<string, Finding[]>();
  for (const analysis of analyseFiles(await analyzer(), await collectSourceFiles([root], root), OPTIONS, { root })) {
    out.set(path.relative(root, analysis.file.absolutePath).split(path.sep).join('/'), analysis.parts.flatMap((part) => part.findings));
  }
  return out;
}

/** The editor's path: one document analysed alone, with the workspace index's evidence. */
async function analyseInEditor(root: string, index: WorkspaceIndex, relative: string): Promise<Finding[]> {
  const file = path.join(root, relative);
  return (await analyzer()).analyze(fs.readFileSync(file, 'utf8'), languageOf(file), index.optionsFor(OPTIONS, file)).findings;
}

async function indexOf(root: string): Promise<WorkspaceIndex> {
  const files = (await collectSourceFiles([root], root)).map((file) => file.absolutePath);
  return new WorkspaceIndex(root, () => files, lowerModuleWith(await analyzer()));
}

describe('evidence across files', () => {
  describe('a parameter whose callers in another file pass a per-request value', () => {
    it('Python, `from .bot import respond`: BL001 on the parameter, naming the caller file and line, in the CLI and the editor', async () => {
      const root = workspace({ 'app/bot.py': PY_BOT, 'app/__init__.py': '', 'app/cli.py': 'import uuid\nfrom .bot import respond\n\n\ndef main():\n    while True:\n        respond(input("> "), uuid.uuid4().hex)\n' });
      const findings = (await lintFolder(root)).get('app/bot.py') ?? [];
      const bl001 = findings.filter((finding) => finding.code === 'BL001');
      assert.equal(bl001.length, 1, JSON.stringify(findings));
      assert.equal(bl001[0].severity, 'warning');
      assert.match(bl001[0].message, /the parameter `session_note`, which a caller in app\/cli\.py:7 passes .*uuid/);
      assert.equal(bl001[0].range.startLine, 10);
      const editor = await analyseInEditor(root, await indexOf(root), 'app/bot.py');
      assert.deepEqual(editor.map((finding) => finding.message), bl001.map((finding) => finding.message));
    });

    it('Python, `import app.bot` and `app.bot.respond(...)`: found through the dotted module path', async () => {
      const root = workspace({ 'app/bot.py': PY_BOT, 'app/__init__.py': '', 'main.py': 'import time\nimport app.bot\n\napp.bot.respond("hi", str(time.time()))\n' });
      const findings = (await lintFolder(root)).get('app/bot.py') ?? [];
      assert.ok(findings.some((finding) => finding.code === 'BL001' && /caller in main\.py:4 passes .*time\.time/.test(finding.message)), JSON.stringify(findings));
    });

    it('stays silent when the other file passes a stable value (a constant, a setting)', async () => {
      const root = workspace({ 'app/bot.py': PY_BOT, 'app/cli.py': 'import os\nfrom .bot import respond\n\nrespond(input(), os.environ["TEAM"])\nrespond(input(), "nightly")\n' });
      const findings = (await lintFolder(root)).get('app/bot.py') ?? [];
      assert.deepEqual(findings.filter((finding) => finding.severity !== 'info'), []);
    });

    it('TypeScript, named and namespace ES imports (`./chat`, `./chat.js`): BL001 on the parameter', async () => {
      for (const importer of [
        "import { answer } from './chat';\nexport async function handle(req: { body: { q: string } }) {\n  await answer(req.body.q, crypto.randomUUID());\n}\n",
        "import * as chat from './chat.js';\nexport async function handle(req: { body: { q: string } }) {\n  await chat.answer(req.body.q, crypto.randomUUID());\n}\n",
      ]) {
        const root = workspace({ 'src/chat.ts': TS_CHAT, 'src/server.ts': importer });
        const findings = (await lintFolder(root)).get('src/chat.ts') ?? [];
        assert.ok(findings.some((finding) => finding.code === 'BL001' && finding.severity === 'warning' && /the parameter `requestId`, which a caller in src\/server\.ts:3 passes a random or unique value/.test(finding.message)), importer + JSON.stringify(findings));
      }
    });

    it('JavaScript, `require` with destructuring: BL001 on the parameter', async () => {
      const chat = TS_CHAT.replace("import Anthropic from '@anthropic-ai/sdk';", "const Anthropic = require('@anthropic-ai/sdk');").replace('export async function answer(question: string, requestId: string)', 'async function answer(question, requestId)') + 'module.exports = { answer };\n';
      const root = workspace({ 'lib/chat.js': chat, 'lib/route.js': "const { answer } = require('./chat');\nmodule.exports = (req) => answer(req.body.q, Date.now());\n" });
      const findings = (await lintFolder(root)).get('lib/chat.js') ?? [];
      assert.ok(findings.some((finding) => finding.code === 'BL001' && /caller in lib\/route\.js:2 passes a clock reading/.test(finding.message)), JSON.stringify(findings));
    });
  });

  describe('a helper imported from another file that returns per-request text', () => {
    it('Python `from .prompts import build_system as make_system` and `from app import prompts`: BL005 at the call, naming the helper file', async () => {
      const root = workspace({
        'app/__init__.py': '',
        'app/prompts.py': 'from datetime import datetime\n\n\ndef build_system():\n    return f"You are helpful. The time is {datetime.now().isoformat()}."\n',
        'app/agent.py': `import anthropic
from app import prompts
from .prompts import build_system as make_system

client = anthropic.Anthropic()


def ask(q):
    return client.messages.create(model="claude-sonnet-4-6", max_tokens=100, system=[{"type": "text", "text": make_system(), "cache_control": {"type": "ephemeral"}}], messages=[{"role": "user", "content": q}])


def ask2(q):
    return client.messages.create(model="claude-sonnet-4-6", max_tokens=100, system=[{"type": "text", "text": prompts.build_system(), "cache_control": {"type": "ephemeral"}}], messages=[{"role": "user", "content": q}])
`,
      });
      const findings = (await lintFolder(root)).get('app/agent.py') ?? [];
      const flagged = findings.filter((finding) => finding.severity === 'warning');
      assert.deepEqual(flagged.map((finding) => finding.range.startLine), [8, 12], JSON.stringify(findings));
      for (const finding of flagged) assert.match(finding.message, /what `(make_system|prompts\.build_system)\(\)` returns, .*a clock reading \(`datetime\.now\(\)`\) in app\/prompts\.py:5/);
    });

    it('TypeScript arrow helper through `require`: BL005; a helper returning constant text stays quiet', async () => {
      const use = (name: string): string => `import Anthropic from '@anthropic-ai/sdk';\nconst { ${name} } = require('./prompt');\nconst client = new Anthropic();\nexport async function go(q: string) {\n  return client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, system: [{ type: 'text', text: ${name}(), cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: q }] });\n}\n`;
      const root = workspace({
        'src/prompt.ts': 'export const systemText = () => `Be concise. Today is ${new Date().toISOString()}.`;\nexport const fixedText = () => `Be concise. ${"Rules. ".repeat(10)}`;\n',
        'src/use.ts': use('systemText'),
        'src/fixed.ts': use('fixedText'),
      });
      const lint = await lintFolder(root);
      assert.ok((lint.get('src/use.ts') ?? []).some((finding) => finding.code === 'BL005' && /src\/prompt\.ts:1/.test(finding.message)), JSON.stringify(lint.get('src/use.ts')));
      assert.deepEqual((lint.get('src/fixed.ts') ?? []).filter((finding) => finding.severity === 'warning'), []);
    });
  });

  it('the editor index drops a file when it changes: the finding follows the caller file', async () => {
    const root = workspace({ 'app/bot.py': PY_BOT, 'app/cli.py': 'from .bot import respond\n\nrespond(input(), "fixed")\n' });
    const index = await indexOf(root);
    assert.deepEqual((await analyseInEditor(root, index, 'app/bot.py')).filter((finding) => finding.severity === 'warning'), []);
    const cli = path.join(root, 'app', 'cli.py');
    fs.writeFileSync(cli, 'import uuid\nfrom .bot import respond\n\nrespond(input(), str(uuid.uuid4()))\n');
    index.invalidate(cli);
    assert.ok((await analyseInEditor(root, index, 'app/bot.py')).some((finding) => finding.code === 'BL001' && /app\/cli\.py:4/.test(finding.message)));
  });

  it('reads import statements: Python from/import/as, ES named/default/namespace, require', () => {
    assert.deepEqual(importsOf('from .prompts import (build,\n  other as o)\nimport pkg.mod as m, json\n', true), [
      { local: 'build', spec: '.prompts', imported: 'build' },
      { local: 'o', spec: '.prompts', imported: 'other' },
      { local: 'm', spec: 'pkg.mod' },
      { local: 'json', spec: 'json' },
    ]);
    assert.deepEqual(importsOf("import Def, { a, b as c } from './x';\nimport * as ns from '../y.js';\nconst { d, e: f } = require('./z');\nconst g = require('./w');\n", false), [
      { local: 'Def', spec: './x', imported: 'default' },
      { local: 'a', spec: './x', imported: 'a' },
      { local: 'c', spec: './x', imported: 'b' },
      { local: 'ns', spec: '../y.js' },
      { local: 'd', spec: './z', imported: 'd' },
      { local: 'f', spec: './z', imported: 'e' },
      { local: 'g', spec: './w' },
    ]);
  });

  it('resolves module specs to workspace files only (relative, dotted, .js written for .ts, never outside the root)', () => {
    const root = workspace({ 'pkg/__init__.py': '', 'pkg/mod.py': '', 'pkg/sub/use.py': '', 'web/a.ts': '', 'web/lib/index.ts': '' });
    const at = (relative: string): string => path.join(root, relative);
    assert.equal(resolveSpec(at('pkg/sub/use.py'), '..mod', true, root), at('pkg/mod.py'));
    assert.equal(resolveSpec(at('pkg/sub/use.py'), 'pkg.mod', true, root), at('pkg/mod.py'));
    assert.equal(resolveSpec(at('pkg/sub/use.py'), 'pkg', true, root), at('pkg/__init__.py'));
    assert.equal(resolveSpec(at('pkg/sub/use.py'), 'anthropic', true, root), undefined);
    assert.equal(resolveSpec(at('web/lib/index.ts'), '../a.js', false, root), at('web/a.ts'));
    assert.equal(resolveSpec(at('web/a.ts'), './lib', false, root), at('web/lib/index.ts'));
    assert.equal(resolveSpec(at('web/a.ts'), '@anthropic-ai/sdk', false, root), undefined);
    assert.equal(resolveSpec(at('web/a.ts'), '../../outside', false, root), undefined);
  });
});
