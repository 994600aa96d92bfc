import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CollectOptions, collectAll, collectFiles } from '../../../../src/core/batch/collectFiles';
import { isLikelySecretFile } from '../../../../src/core/batch/secretFiles';

async function workspace(files: Record<string, string | Buffer>): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-collect-'));
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
  return root;
}

function options(root: string, selection: string[], extra: Partial<CollectOptions> = {}): CollectOptions {
  return { root, selection, maxFileBytes: 1000, ...extra };
}

describe('collectFiles', () => {
  it('expands folders recursively in name order and reads each text file once', async () => {
    const root = await workspace({ 'src/b.ts': 'b', 'src/a.ts': 'a', 'src/deep/c.py': 'c', 'other.md': 'o' });
    const { files, skipped } = await collectAll(options(root, ['src']));
    assert.deepEqual(files.map((file) => file.relativePath), ['src/a.ts', 'src/b.ts', 'src/deep/c.py']);
    assert.equal(files[0].content, 'a');
    assert.equal(files[0].bytes, 1);
    assert.equal(files[0].sha256, 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
    assert.deepEqual(skipped, []);
  });

  it('asks about secret files one at a time and in name order, even while reading ahead', async () => {
    const files: Record<string, string> = {};
    for (const name of ['a.pem', 'b.key', 'c.txt', 'd.pem', 'e.txt', 'f.key', 'g.pem', 'h.txt', 'i.key', 'j.pem']) files[`keys/${name}`] = name;
    const root = await workspace(files);
    const asked: string[] = [];
    let open = 0;
    let mostOpen = 0;
    const { files: accepted } = await collectAll(
      options(root, ['keys'], {
        confirmSecret: async (relativePath) => {
          open += 1;
          mostOpen = Math.max(mostOpen, open);
          asked.push(relativePath);
          await new Promise((resolve) => setTimeout(resolve, 5));
          open -= 1;
          return relativePath.endsWith('.pem');
        },
      }),
    );
    assert.equal(mostOpen, 1);
    assert.deepEqual(asked, ['keys/a.pem', 'keys/b.key', 'keys/d.pem', 'keys/f.key', 'keys/g.pem', 'keys/i.key', 'keys/j.pem']);
    assert.deepEqual(
      accepted.map((file) => file.relativePath),
      ['keys/a.pem', 'keys/c.txt', 'keys/d.pem', 'keys/e.txt', 'keys/g.pem', 'keys/h.txt', 'keys/j.pem'],
    );
  });

  it('honours nested .gitignore files, deeper rules overriding shallower ones', async () => {
    const root = await workspace({
      '.gitignore': '*.log\nbuild/\n',
      'app/.gitignore': '!keep.log\nsecret-notes.txt\n',
      'app/keep.log': 'kept by negation',
      'app/drop.log': 'dropped by root rule',
      'app/secret-notes.txt': 'dropped by nested rule',
      'app/build/out.js': 'inside an ignored folder',
      'app/main.js': 'main',
      'lib/notes.txt': 'not under app/.gitignore',
    });
    const { files, skipped } = await collectAll(options(root, ['app', 'lib']));
    assert.deepEqual(files.map((file) => file.relativePath), ['app/keep.log', 'app/main.js', 'lib/notes.txt']);
    assert.deepEqual(
      skipped.map((skip) => [skip.relativePath, skip.reason]),
      [
        ['app/build/', 'ignored'],
        ['app/drop.log', 'ignored'],
        ['app/secret-notes.txt', 'ignored'],
      ],
    );
  });

  it('applies .gitignore files above the selected folder and exclude globs', async () => {
    const root = await workspace({ '.gitignore': 'gen/\n', 'pkg/gen/x.ts': 'x', 'pkg/a.ts': 'a', 'pkg/a.test.ts': 't', 'pkg/b.snap': 's' });
    const { files, skipped } = await collectAll(options(root, ['pkg'], { filesExclude: ['**/*.snap'], exclude: ['*.test.ts'] }));
    assert.deepEqual(files.map((file) => file.relativePath), ['pkg/a.ts']);
    assert.deepEqual(skipped.map((skip) => skip.relativePath).sort(), ['pkg/a.test.ts', 'pkg/b.snap', 'pkg/gen/']);
    assert.ok(skipped.every((skip) => skip.reason === 'ignored'));
  });

  it('never enters .git, node_modules or .batchlens', async () => {
    const root = await workspace({ '.git/config': 'c', 'node_modules/x/index.js': 'x', '.batchlens/jobs/j.json': '{}', 'a.txt': 'a' });
    const { files } = await collectAll(options(root, ['.']));
    assert.deepEqual(files.map((file) => file.relativePath), ['a.txt']);
  });

  it('skips binary, empty and too-large files with their reasons', async () => {
    const root = await workspace({
      'd/nul.bin': Buffer.from([0x61, 0x00, 0x62]),
      'd/latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20]),
      'd/empty.txt': '',
      'd/big.txt': 'x'.repeat(1001),
      'd/exact.txt': 'y'.repeat(1000),
      'd/utf8.txt': 'café ☕',
    });
    const { files, skipped } = await collectAll(options(root, ['d']));
    assert.deepEqual(files.map((file) => file.relativePath), ['d/exact.txt', 'd/utf8.txt']);
    assert.equal(files[1].content, 'café ☕');
    assert.deepEqual(
      Object.fromEntries(skipped.map((skip) => [skip.relativePath, skip.reason])),
      { 'd/big.txt': 'too-large', 'd/empty.txt': 'empty', 'd/latin1.txt': 'binary', 'd/nul.bin': 'binary' },
    );
  });

  it('skips likely secrets unless each one is confirmed', async () => {
    const root = await workspace({ 's/.env': 'A=1', 's/.env.local': 'B=2', 's/server.pem': 'p', 's/id_rsa': 'k', 's/credentials.json': '{}', 's/ok.ts': 'ok' });
    const denied = await collectAll(options(root, ['s']));
    assert.deepEqual(denied.files.map((file) => file.relativePath), ['s/ok.ts']);
    assert.equal(denied.skipped.filter((skip) => skip.reason === 'secret').length, 5);

    const asked: string[] = [];
    const approved = await collectAll(
      options(root, ['s'], {
        confirmSecret: async (relativePath) => {
          asked.push(relativePath);
          return relativePath === 's/.env.local';
        },
      }),
    );
    assert.equal(asked.length, 5);
    assert.deepEqual(approved.files.map((file) => file.relativePath), ['s/.env.local', 's/ok.ts']);
  });

  it('collapses duplicates: a file and its folder both selected, or the same path twice', async () => {
    const root = await workspace({ 'a/x.txt': 'x', 'a/y.txt': 'y' });
    const { files } = await collectAll(options(root, ['a/x.txt', 'a', path.join(root, 'a', 'y.txt'), './a']));
    assert.deepEqual(files.map((file) => file.relativePath), ['a/x.txt', 'a/y.txt']);
  });

  it('never follows a symlink out of the workspace and reports paths outside it', async () => {
    const outside = await workspace({ 'secret.txt': 'outside', 'dir/f.txt': 'f' });
    const root = await workspace({ 'in/real.txt': 'real' });
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'in', 'escape.txt'));
    await fs.symlink(path.join(outside, 'dir'), path.join(root, 'in', 'escape-dir'));
    await fs.symlink(path.join(root, 'in', 'real.txt'), path.join(root, 'in', 'alias.txt'));
    const { files, skipped } = await collectAll(options(root, ['in', path.join(outside, 'dir', 'f.txt'), '../']));
    assert.deepEqual(files.map((file) => file.relativePath), ['in/real.txt']);
    assert.ok(files.every((file) => !file.content.includes('outside')));
    const reasons = Object.fromEntries(skipped.map((skip) => [skip.relativePath, skip.detail]));
    assert.equal(reasons['in/escape.txt'], 'symlink to outside the workspace');
    assert.equal(reasons['in/escape-dir'], 'symlink to outside the workspace');
    assert.equal(skipped.filter((skip) => skip.detail === 'outside the workspace').length, 2);
  });

  it('reports a selected path that does not exist as unreadable', async () => {
    const root = await workspace({ 'a.txt': 'a' });
    const { skipped } = await collectAll(options(root, ['missing.txt']));
    assert.deepEqual(skipped.map((skip) => [skip.relativePath, skip.reason]), [['missing.txt', 'unreadable']]);
  });

  it('streams a 10,000-file tree: the first file arrives before the walk ends, progress counts every file', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-collect-big-'));
    for (let dir = 0; dir < 100; dir++) {
      const folder = path.join(root, 'tree', `d${String(dir).padStart(3, '0')}`);
      await fs.mkdir(folder, { recursive: true });
      await Promise.all(Array.from({ length: 100 }, (_, index) => fs.writeFile(path.join(folder, `f${index}.txt`), `file ${dir}/${index}`)));
    }
    let lastProgress = 0;
    let progressAtFirstFile = -1;
    let count = 0;
    for await (const event of collectFiles(options(root, ['tree'], { onProgress: (progress) => (lastProgress = progress.scanned) }))) {
      if (event.type === 'file' && count === 0) progressAtFirstFile = lastProgress;
      if (event.type === 'file') count++;
    }
    assert.equal(count, 10_000);
    assert.equal(lastProgress, 10_000);
    assert.equal(progressAtFirstFile, 1, 'the first file is yielded after one file was scanned, not after the whole walk');
  });

  it('stops with an AbortError when cancelled', async () => {
    const root = await workspace(Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`many/f${index}.txt`, 'x'])));
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const event of collectFiles(options(root, ['many'], { signal: controller.signal }))) {
          if (event.type === 'file' && ++seen === 3) controller.abort();
        }
      })(),
      { name: 'AbortError' },
    );
    assert.equal(seen, 3);
  });
});

describe('isLikelySecretFile', () => {
  const cases: Array<[string, boolean]> = [
    ['.env', true], ['.env.production', true], ['prod.env', true], ['server.pem', true], ['tls.KEY', true],
    ['id_rsa', true], ['id_ed25519.pub', true], ['credentials.json', true], ['aws-credentials.ini', true], ['.npmrc', true],
    ['.netrc', true], ['service-account-prod.json', true], ['secrets.yaml', true],
    ['environment.ts', false], ['keyboard.ts', false], ['README.md', false], ['monkey.py', false], ['envelope.txt', false],
  ];
  for (const [name, expected] of cases) {
    it(`${expected ? 'flags' : 'does not flag'} ${name}`, () => assert.equal(isLikelySecretFile(name), expected));
  }
});
