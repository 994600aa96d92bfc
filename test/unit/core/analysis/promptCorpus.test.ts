import { strict as assert } from 'node:assert';
import { scoreCorpus } from '../../../../bench/promptCorpus';
import { analyzer } from './support';

describe('prompt corpus (tuning part)', () => {
  it('lists exactly the labelled prompts of the tuning part: every one found, nothing else', async () => {
    const score = await scoreCorpus(await analyzer(), 'tuning');
    assert.ok(score.labelled >= 80, `the tuning part has ${score.labelled} labelled prompts`);
    assert.deepEqual(score.missed, [], 'labelled prompts the analyzer missed');
    assert.deepEqual(score.extra, [], 'strings listed that are not labelled prompts');
    assert.equal(score.recall, 1);
    assert.equal(score.precision, 1);
  });

  it('holds at least 120 labelled prompts, a third of them in the held-out part (scored by npm run bench, not pinned)', async () => {
    const tuning = await scoreCorpus(await analyzer(), 'tuning');
    const heldout = await scoreCorpus(await analyzer(), 'heldout');
    const total = tuning.labelled + heldout.labelled;
    assert.ok(total >= 120, `${total} labelled prompts`);
    assert.ok(heldout.labelled >= Math.floor(total / 3), `${heldout.labelled} of ${total} are held out`);
  });
});
