import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { corpusFiles, corpusProjects, labelsOf, scoreFile, scorePart, scoreProject } from '../../../../bench/support/cacheLintCorpus';
import { OPTIONS, analyzer } from './support';

// Only the tuning part is asserted here: the held-out part is measured by `npm run bench` and never tuned against.
describe('cache-lint corpus, tuning part', () => {
  it('is large enough to mean something: 90+ labelled sites from 25+ repositories, and a held-out part of a third', async () => {
    const engine = await analyzer();
    const tuning = await scorePart('tuning', engine, OPTIONS);
    const heldout = await scorePart('heldout', engine, OPTIONS);
    assert.ok(tuning.sites >= 90, `${tuning.sites} tuning sites`);
    assert.ok(tuning.sources >= 25, `${tuning.sources} source repositories`);
    assert.ok(heldout.sites * 3 >= tuning.sites + heldout.sites - 1, `held-out ${heldout.sites} of ${tuning.sites + heldout.sites}`);
  });

  it('reads expect and quiet labels, several per line', () => {
    assert.deepEqual(labelsOf('a\nx = 1  # expect: BL002 error  # expect: BL003 info\ny  // quiet\n'), [
      { line: 2, kind: 'expect', code: 'BL002', severity: 'error' },
      { line: 2, kind: 'expect', code: 'BL003', severity: 'info' },
      { line: 3, kind: 'quiet' },
    ]);
  });

  for (const folder of corpusProjects('tuning')) {
    it(`meets every label of the project ${path.basename(folder)}/ linted as a folder (evidence across files)`, async () => {
      const scores = await scoreProject(folder, await analyzer(), OPTIONS);
      assert.ok(scores.length >= 2, 'a project has several files');
      assert.ok(scores.reduce((sum, score) => sum + score.sites, 0) > 0, 'no labels');
      assert.deepEqual(scores.flatMap((score) => score.problems.map((problem) => `${score.file} ${problem}`)), []);
    });
  }

  for (const file of corpusFiles('tuning')) {
    it(`meets every label in ${path.basename(file)}`, async () => {
      const score = scoreFile(file, await analyzer(), OPTIONS);
      assert.ok(score.sites > 0, 'no labels');
      assert.deepEqual(score.problems, []);
    });
  }
});
