import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

// Keeps the test tree mirroring src/ (CONTRIBUTING.md, "Tests"): a test of src/core/<area> lives in
// test/unit/core/<area>, and every test file sits where a mocha spec glob picks it up.

const REPO = path.resolve(__dirname, '../..');

/** Where a test file may sit; `area` folders must exist under src/. */
const PLACES: { pattern: RegExp; srcArea?: (match: RegExpMatchArray) => string }[] = [
  { pattern: /^test\/unit\/core\/([^/]+)\/(?:[^/]+\/)*[^/]+\.test\.ts$/, srcArea: (match) => `src/core/${match[1]}` },
  { pattern: /^test\/unit\/features\/([^/]+)\/(?:[^/]+\/)*[^/]+\.test\.ts$/, srcArea: (match) => `src/features/${match[1]}` },
  { pattern: /^test\/unit\/cli\/(?:[^/]+\/)*[^/]+\.test\.ts$/ },
  { pattern: /^test\/unit\/host\/[^/]+\.test\.ts$/ },
  // What the .vsix and the npm package hold (package.json, .vscodeignore, scripts/pack-cli.mjs): no src module.
  { pattern: /^test\/unit\/packaging\/[^/]+\.test\.ts$/ },
  { pattern: /^test\/unit\/testLayout\.test\.ts$/ },
  // Tests of the emulator itself, beside it; product tests that only talk to it stay under test/unit.
  { pattern: /^test\/emulator\/[^/]+\.test\.ts$/ },
  // The cross-cutting fault-injection suites (fault proxy, kill -9, bad inputs, two workspaces).
  { pattern: /^test\/safety\/[^/]+\.test\.ts$/ },
  { pattern: /^test\/integration\/suite\/[^/]+\.test\.ts$/ },
  { pattern: /^test\/e2e\/[^/]+\.e2e\.ts$/ },
];

const TEST_FILE = /\.(test|spec|e2e)\.[cm]?[jt]sx?$/;

/** Problems with the test tree: misplaced tests, unsupported helpers, tests no mocha glob runs. */
function layoutProblems(files: string[], isSrcDir: (relative: string) => boolean, specGlobs: string[]): string[] {
  const specs = specGlobs.map(globToRegExp);
  const problems: string[] = [];
  for (const file of files) {
    if (file.startsWith('test/fixtures/')) continue;
    if (TEST_FILE.test(file)) {
      const place = PLACES.map((candidate) => ({ candidate, match: file.match(candidate.pattern) })).find((found) => found.match);
      if (!place?.match) {
        problems.push(`${file}: not in the mirrored layout (test/unit/core/<area>, test/unit/features/<area>, test/unit/cli, test/unit/host, test/unit/packaging, test/emulator, test/safety)`);
        continue;
      }
      const area = place.candidate.srcArea?.(place.match);
      if (area && !isSrcDir(area)) problems.push(`${file}: ${area} does not exist`);
      const mochaRuns = !file.startsWith('test/integration/') && !file.startsWith('test/e2e/');
      if (mochaRuns && !specs.some((spec) => spec.test(file))) problems.push(`${file}: no spec glob in .mocharc.json runs it`);
    } else if (file.startsWith('test/unit/') && file.endsWith('.ts') && !/(^|\/)support(\/|\.ts$)/.test(file)) {
      problems.push(`${file}: a helper outside a support/ folder or support.ts (a test file must end in .test.ts)`);
    }
  }
  return problems;
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split(/(\*\*\/|\*)/)
    .map((part) => (part === '**/' ? '(?:[^/]+/)*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

function filesUnder(folder: string): string[] {
  return fs
    .readdirSync(path.join(REPO, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(REPO, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

const isSrcDir = (relative: string): boolean => fs.statSync(path.join(REPO, relative), { throwIfNoEntry: false })?.isDirectory() === true;
const specGlobs = (JSON.parse(fs.readFileSync(path.join(REPO, '.mocharc.json'), 'utf8')) as { spec: string[] }).spec;

describe('test layout', () => {
  it('puts every test file where the mirrored layout says, and every unit test under a mocha spec glob', () => {
    const files = filesUnder('test');
    const tests = files.filter((file) => TEST_FILE.test(file) && !file.startsWith('test/fixtures/'));
    assert.ok(tests.length >= 80, `only ${tests.length} test files found under test/`);
    assert.deepEqual(layoutProblems(files, isSrcDir, specGlobs), []);
  });

  it('flags a test in an old flat folder, an area src/ lacks, a helper named like nothing, and a folder mocha does not run', () => {
    const problems = layoutProblems(
      [
        'test/unit/analysis/rules.test.ts',
        'test/unit/core/nowhere/thing.test.ts',
        'test/unit/core/batch/helpers.ts',
        'test/unit/core/batch/preflight.test.ts',
        'test/unit/core/tracking/support/fakes.ts',
        'test/safety/harness.ts',
      ],
      isSrcDir,
      ['test/unit/core/nowhere/*.test.ts', 'test/unit/core/tracking/**/*.test.ts'],
    );
    assert.deepEqual(problems.map((problem) => problem.split(':')[0]), [
      'test/unit/analysis/rules.test.ts',
      'test/unit/core/nowhere/thing.test.ts',
      'test/unit/core/batch/helpers.ts',
      'test/unit/core/batch/preflight.test.ts',
    ]);
    assert.match(problems[1], /src\/core\/nowhere does not exist/);
    assert.match(problems[3], /no spec glob/);
  });
});
