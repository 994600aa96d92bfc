import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The paths .vscodeignore lets into the .vsix (its `!` lines after the leading `**`). */
function whitelisted(): string[] {
  return readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1));
}

describe('what the .vsix holds and how it is built', () => {
  it('ships every lazy chunk esbuild.js puts beside the bundle (activation requires them on first use)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LAZY_CHUNKS } = require('../../../scripts/lazy-chunks.cjs') as { LAZY_CHUNKS: { file: string }[] };
    const shipped = whitelisted();
    assert.ok(LAZY_CHUNKS.length > 0);
    for (const chunk of LAZY_CHUNKS) assert.ok(shipped.includes(`dist/${chunk.file}`), `.vscodeignore lets dist/${chunk.file} in`);
  });

  it('builds once: `npm run package` leaves the bundle to vscode:prepublish', () => {
    assert.doesNotMatch(manifest.scripts.package, /esbuild/);
    assert.match(manifest.scripts['vscode:prepublish'], /esbuild\.js --production/);
    // Relative README images stay relative, so the packaged README renders offline.
    assert.match(manifest.scripts.package, /--no-rewrite-relative-links/);
  });

  it('ships the extension bundle, not the CLI, and the icon', () => {
    const shipped = whitelisted();
    assert.ok(shipped.includes('dist/extension.js'));
    assert.ok(!shipped.some((entry) => entry.includes('cli')), `the CLI bundle stays out: ${shipped.join(', ')}`);
    assert.ok(shipped.includes('media/**'));
    assert.equal(manifest.icon, 'media/icon.png');
    const png = readFileSync(path.join(ROOT, manifest.icon));
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    // IHDR width and height: the Marketplace wants at least 128x128.
    assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128);
  });

  it('packages every image the README shows', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)|<img src="([^"]+)"/g)].map((match) => match[1] ?? match[2]);
    assert.ok(images.length >= 2);
    for (const image of images) {
      assert.ok(!/^https?:/.test(image), `${image} would need the network`);
      assert.ok(image.startsWith('media/'), `${image} is outside media/, which is all the .vsix ships`);
      assert.ok(existsSync(path.join(ROOT, image)), `${image} exists`);
    }
  });

  it('contributes a Get Started walkthrough whose steps all have their text', () => {
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.equal(walkthrough.id, 'batchlens.getStarted');
    assert.deepEqual(walkthrough.steps.map((step: { id: string }) => step.id), ['setApiKey', 'openPrompt', 'fixLint', 'batchFiles', 'watchTracker', 'resultsAndSavings']);
    for (const step of walkthrough.steps) assert.ok(existsSync(path.join(ROOT, step.media.markdown)), step.media.markdown);
  });
});
