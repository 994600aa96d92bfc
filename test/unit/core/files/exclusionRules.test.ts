import * as assert from 'node:assert/strict';
import ignore from 'ignore';
import { AnswerBudget, ForgetfulIgnore } from '../../../../src/core/files/exclusionRules';
import { heapKept } from '../../support/heap';

const PATTERNS = 'build/\n*.log\n!keep.log\nsecret_*\n/top_only.txt\n';

/** Paths of a large tree: every kind of answer (ignored, taken back in, kept), and folders under an ignored one. */
function pathOf(index: number): string {
  const folder = `pkg-${index % 97}/${index % 5 === 0 ? 'build/' : ''}mod-${index % 13}`;
  const names = ['file.ts', 'run.log', 'keep.log', 'secret_key.txt', 'top_only.txt', 'notes.md'];
  return `${folder}/${index}/${names[index % names.length]}`;
}

describe('ForgetfulIgnore', () => {
  it('answers as the gitignore matcher does, across the points where it starts afresh', () => {
    const forgetful = new ForgetfulIgnore(PATTERNS, new AnswerBudget());
    const reference = ignore().add(PATTERNS);
    const answers = { ignored: 0, unignored: 0, kept: 0 };
    for (let index = 0; index < 25_000; index++) {
      const relative = pathOf(index);
      const expected = reference.test(relative);
      assert.deepEqual(forgetful.test(relative), expected, relative);
      assert.equal(forgetful.ignores(relative), reference.ignores(relative), relative);
      answers[expected.ignored ? 'ignored' : expected.unignored ? 'unignored' : 'kept'] += 1;
    }
    // Every kind of answer came up, before and after each fresh start.
    assert.ok(answers.ignored > 1000 && answers.unignored > 1000 && answers.kept > 1000, JSON.stringify(answers));
    // A folder's own rule still covers what is below it after a fresh start.
    assert.equal(forgetful.ignores('a/build/deep/file.ts'), true);
  });

  it('does not keep an answer for every path asked about, even spread over one matcher per package', () => {
    // A monorepo: one .gitignore per package, each matcher asked only about its own package's files.
    const packages = 100;
    const perPackage = 1_000;
    const measure = (ask: (pkg: number, relative: string) => boolean): number => {
      const before = heapKept();
      for (let pkg = 0; pkg < packages; pkg++) {
        for (let index = 0; index < perPackage; index++) ask(pkg, pathOf(pkg * perPackage + index));
      }
      return heapKept() - before;
    };
    const budget = new AnswerBudget();
    const forgetful = Array.from({ length: packages }, () => new ForgetfulIgnore(PATTERNS, budget));
    const plain = Array.from({ length: packages }, () => ignore().add(PATTERNS));
    const kept = measure((pkg, relative) => forgetful[pkg].ignores(relative));
    const keptByPlain = measure((pkg, relative) => plain[pkg].ignores(relative));
    // The plain matchers are the baseline of this very run: they keep every path's answer.
    assert.ok(keptByPlain > 8_000_000, `the plain matchers kept only ${(keptByPlain / 1e6).toFixed(1)} MB`);
    assert.ok(kept < keptByPlain / 4, `kept ${(kept / 1e6).toFixed(1)} MB against ${(keptByPlain / 1e6).toFixed(1)} MB`);
    assert.ok(plain[0].ignores('x/build/y') && forgetful[0].ignores('x/build/y'));
  });
});
