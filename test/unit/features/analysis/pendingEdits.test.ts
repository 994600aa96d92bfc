import { strict as assert } from 'node:assert';
import { MAX_PENDING_CHANGES, PendingEdits } from '../../../../src/features/analysis/pendingEdits';

const edit = (start: number, newText = 'x') => ({ start, oldEnd: start, newText });

describe('analysis/pendingEdits', () => {
  it('analyses a document from scratch the first time', () => {
    assert.equal(new PendingEdits().take(1), undefined);
  });

  it('replays the edits, in order, that lead from the analysed version to the current one', () => {
    const edits = new PendingEdits();
    edits.take(1);
    edits.record(2, [edit(5)]);
    edits.record(3, [edit(9, 'y'), edit(2, 'z')]);
    assert.deepEqual(edits.take(3), [edit(5), edit(9, 'y'), edit(2, 'z')]);
  });

  it('starts over after a missed change event', () => {
    const edits = new PendingEdits();
    edits.take(1);
    edits.record(3, [edit(5)]);
    assert.equal(edits.take(3), undefined);
  });

  it('starts over when the edits do not reach the version being analysed', () => {
    const edits = new PendingEdits();
    edits.take(1);
    edits.record(2, [edit(5)]);
    assert.equal(edits.take(4), undefined);
  });

  it('replays again after a fresh start', () => {
    const edits = new PendingEdits();
    edits.take(1);
    edits.record(3, [edit(5)]);
    edits.take(3);
    edits.record(4, [edit(1)]);
    assert.deepEqual(edits.take(4), [edit(1)]);
  });

  it('drops a backlog too long to be worth replaying', () => {
    const edits = new PendingEdits();
    edits.take(1);
    for (let version = 2; version <= MAX_PENDING_CHANGES + 2; version++) {
      edits.record(version, [edit(0)]);
    }
    assert.equal(edits.take(MAX_PENDING_CHANGES + 2), undefined);
  });
});
