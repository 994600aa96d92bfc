import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../../src/cli/main';
import { API_VERSION_2023, API_VERSION_2026 } from '../../../../src/core/api/apiVersions';
import { SdkVersionsByFolder } from '../../../../src/core/analysis/sdkVersions';
import { recordingIo } from '../../support/recordingIo';

const TS_CALL = "import Anthropic from '@anthropic-ai/sdk';\nconst client = new Anthropic();\nexport const reply = client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, temperature: 0.2, messages: [{ role: 'user', content: 'hi' }] });\n";
const PY_CALL = 'import anthropic\nclient = anthropic.Anthropic()\nreply = client.messages.create(\n    model="claude-sonnet-4-6",\n    max_tokens=100,\n    temperature=0.2,\n    messages=[{"role": "user", "content": "hi"}],\n)\n';

/** A monorepo: two JS packages on different SDK majors, a Python service, and a package that names no SDK. */
function monorepo(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-mono-'));
  const files: Record<string, string> = {
    '.git/HEAD': 'ref: refs/heads/main\n',
    'package.json': JSON.stringify({ private: true, workspaces: ['packages/*'] }),
    'packages/new-api/package.json': JSON.stringify({ dependencies: { '@anthropic-ai/sdk': '^1.17.0' } }),
    'packages/new-api/src/deep/call.ts': TS_CALL,
    'packages/old-web/package.json': JSON.stringify({ dependencies: { '@anthropic-ai/sdk': '^0.132.0' } }),
    'packages/old-web/src/call.ts': TS_CALL,
    'packages/unpinned/package.json': JSON.stringify({ dependencies: { react: '^19.0.0' } }),
    'packages/unpinned/call.ts': TS_CALL,
    'services/worker/requirements.txt': 'anthropic>=2\n',
    'services/worker/app/call.py': PY_CALL,
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('SDK version per file in a monorepo (BL008)', () => {
  it('takes the dependency files nearest each file, walking up to the workspace root, one lookup per folder', () => {
    const root = monorepo();
    try {
      const byFolder = new SdkVersionsByFolder(root);
      const at = (relative: string) => byFolder.forFile(path.join(root, relative));
      assert.equal(at('packages/new-api/src/deep/call.ts').typescript?.apiVersion, API_VERSION_2026);
      assert.equal(at('packages/old-web/src/call.ts').typescript?.apiVersion, API_VERSION_2023);
      assert.equal(at('packages/unpinned/call.ts').typescript, undefined);
      assert.equal(at('services/worker/app/call.py').python?.apiVersion, API_VERSION_2026);
      assert.equal(at('services/worker/app/call.py').typescript, undefined);
      // The same folder answers with the same object (cached), so editor sessions keep their results.
      assert.equal(at('packages/old-web/src/call.ts'), at('packages/old-web/src/other.ts'));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('batchlens lint over the whole monorepo: BL008 error only where that package\'s SDK sends 2026-10-21, info where unknown', async () => {
    const root = monorepo();
    try {
      const io = recordingIo(root);
      await runCli(['lint', '.', '--format', 'json'], io);
      const report = JSON.parse(io.out) as { files?: { path: string; findings: { code: string; severity: string }[] }[] } | { path: string; findings: { code: string; severity: string }[] }[];
      const files = Array.isArray(report) ? report : report.files ?? [];
      const bl008 = (file: string) => files.find((entry) => entry.path === file)?.findings.filter((finding) => finding.code === 'BL008').map((finding) => finding.severity);
      assert.deepEqual(bl008('packages/new-api/src/deep/call.ts'), ['error']);
      assert.deepEqual(bl008('packages/old-web/src/call.ts'), []);
      assert.deepEqual(bl008('packages/unpinned/call.ts'), ['info']);
      assert.deepEqual(bl008('services/worker/app/call.py'), ['error']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
