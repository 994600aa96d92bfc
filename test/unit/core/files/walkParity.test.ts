import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../../src/cli/main';
import { collectAll } from '../../../../src/core/batch/collectFiles';
import { recordingIo } from '../../support/recordingIo';

const CALL = 'import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=[{"role": "user", "content": "hi"}])\n';

/**
 * A git repository whose ignore rules need git's full semantics: a nested `!legacy_keep.py` re-includes
 * a file the root `.gitignore` leaves out, a nested rule leaves out a file the root keeps, and a
 * `files.exclude` brace glob (`**\/*.{js,map}`) leaves out JavaScript and source maps.
 */
async function probeRepository(): Promise<string> {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'bl-walk-parity-')));
  const files: Record<string, string> = {
    '.gitignore': 'legacy_*.py\nbuild/\n',
    'app/.gitignore': '!legacy_keep.py\nlocal_*.py\n',
    'app/main.py': CALL,
    'app/legacy_keep.py': CALL,
    'app/legacy_drop.py': CALL,
    'app/local_notes.py': CALL,
    'app/sub/legacy_deep.py': CALL,
    'app/sub/helper.py': CALL,
    'app/bundle.js': 'console.log(1);\n',
    'app/bundle.js.map': '{"version":3}\n',
    'app/ui.ts': 'export const ui = 1;\n',
    // Its files.exclude entry is switched off (false): it stays.
    'app/off.py': CALL,
    'build/out.py': CALL,
    'top_legacy.py': CALL,
    '.vscode/settings.json': JSON.stringify({ 'files.exclude': { '**/*.{js,map}': true, '**/off.py': false } }),
  };
  for (const [relative, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await fs.writeFile(path.join(root, relative), content);
  }
  execFileSync('git', ['init', '-q'], { cwd: root });
  return root;
}

/** The files git itself does not ignore (untracked, standard excludes: every .gitignore as git reads it). */
function gitKept(root: string): string[] {
  const listed = execFileSync('git', ['ls-files', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  return listed.split('\n').filter((line) => line && !line.endsWith('.gitignore')).sort();
}

function gitIgnores(root: string, relative: string): boolean {
  return spawnSync('git', ['check-ignore', '-q', relative], { cwd: root }).status === 0;
}

const BRACE_GLOBBED = new Set(['app/bundle.js', 'app/bundle.js.map']);
const ANALYSED = /\.(py|ts|js)$/;

describe('one walker for lint, cost and batches, as git and VS Code read the rules', () => {
  let root: string;
  before(async () => {
    root = await probeRepository();
  });

  it('the probe is what it claims: git keeps the nested negation and ignores the rest', () => {
    assert.equal(gitIgnores(root, 'app/legacy_keep.py'), false);
    assert.equal(gitIgnores(root, 'app/legacy_drop.py'), true);
    assert.equal(gitIgnores(root, 'app/local_notes.py'), true);
    assert.equal(gitIgnores(root, 'app/sub/legacy_deep.py'), true);
    assert.equal(gitIgnores(root, 'build/out.py'), true);
    assert.ok(gitKept(root).includes('app/bundle.js'), 'git itself does not ignore the brace-globbed files');
  });

  it('batches collect exactly the files git keeps, minus the files.exclude brace glob', async () => {
    const { files, skipped } = await collectAll({ root, selection: ['.'], maxFileBytes: 100_000, filesExclude: ['**/*.{js,map}'] });
    const expected = gitKept(root).filter((file) => !BRACE_GLOBBED.has(file));
    assert.deepEqual(files.map((file) => file.relativePath).sort(), expected);
    const globbed = skipped.filter((skip) => skip.detail?.startsWith('matched files.exclude')).map((skip) => skip.relativePath);
    assert.deepEqual(globbed.sort(), [...BRACE_GLOBBED].sort());
  });

  it('batch submit --dry-run from the CLI leaves out what the workspace files.exclude says', async () => {
    const io = recordingIo(root, { ANTHROPIC_API_KEY: '' });
    const code = await runCli(['batch', 'submit', 'app', '--dry-run', '--json'], io);
    assert.equal(code, 0, io.err);
    const report = JSON.parse(io.out) as { requests: number; skipped: Array<{ path: string; reason: string }> };
    const skippedPaths = report.skipped.map((skip) => skip.path);
    for (const globbed of BRACE_GLOBBED) assert.ok(skippedPaths.includes(globbed), `${globbed} skipped`);
    assert.ok(!skippedPaths.includes('app/legacy_keep.py'), 'the re-included file is sent');
    assert.equal(report.requests, gitKept(root).filter((file) => file.startsWith('app/') && !BRACE_GLOBBED.has(file)).length);
  });

  it('lint walks the same files: git-kept sources, minus files.exclude', async () => {
    const io = recordingIo(root);
    await runCli(['lint', '.', '--format', 'json'], io);
    const linted = (JSON.parse(io.out) as { files: Array<{ path: string }> }).files.map((file) => file.path).sort();
    const expected = gitKept(root).filter((file) => ANALYSED.test(file) && !BRACE_GLOBBED.has(file));
    assert.deepEqual(linted, expected);
    assert.ok(linted.includes('app/legacy_keep.py'));
  });

  it('cost lists the same files as lint', async () => {
    const io = recordingIo(root);
    await runCli(['cost', '.', '--json'], io);
    const listed = (JSON.parse(io.out) as { files: Array<{ path: string }> }).files.map((file) => file.path).sort();
    assert.deepEqual(listed, gitKept(root).filter((file) => ANALYSED.test(file) && !BRACE_GLOBBED.has(file)));
  });

  it('lint from a subfolder still reads the repository top .gitignore, as git does', async () => {
    const io = recordingIo(path.join(root, 'app'));
    await runCli(['lint', 'sub', '--format', 'json'], io);
    const linted = (JSON.parse(io.out) as { files: Array<{ path: string }> }).files.map((file) => file.path);
    assert.deepEqual(linted, ['sub/helper.py']);
  });
});
