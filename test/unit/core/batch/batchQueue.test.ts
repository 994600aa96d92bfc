import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchQueue } from '../../../../src/core/batch/batchQueue';
import { FileJobStore } from '../../../../src/core/tracking/jobStore';

describe('BatchQueue', () => {
  it('adds workspace paths once, keeps them in .batchlens/queue.json, and clears all or some', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-queue-'));
    const queue = new BatchQueue(new FileJobStore(root));
    assert.deepEqual(await queue.list(), []);
    const added = await queue.add(['src/a.ts', path.join(root, 'docs'), 'src/a.ts', '../outside.txt', '/etc/passwd'], 5);
    assert.deepEqual(added, [{ relativePath: 'src/a.ts', addedAt: 5 }, { relativePath: 'docs', addedAt: 5 }]);
    // A second store instance (another window) sees the same queue.
    const other = new BatchQueue(new FileJobStore(root));
    assert.deepEqual((await other.list()).map((entry) => entry.relativePath), ['src/a.ts', 'docs']);
    await other.add(['docs', 'b.md'], 6);
    await queue.clear(['src/a.ts']);
    assert.deepEqual((await queue.list()).map((entry) => entry.relativePath), ['docs', 'b.md']);
    await queue.clear();
    assert.deepEqual(await queue.list(), []);
  });

  it('loses no entry when two windows add at once', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-queue-'));
    const queues = [new BatchQueue(new FileJobStore(root)), new BatchQueue(new FileJobStore(root))];
    await Promise.all(Array.from({ length: 20 }, (_, index) => queues[index % 2].add([`f${index}.txt`], index)));
    assert.equal((await queues[0].list()).length, 20);
  });

  it('reports a corrupt queue file instead of overwriting it', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-queue-'));
    const store = new FileJobStore(root);
    await store.writeStoreFile('queue.json', '{oops');
    await assert.rejects(new BatchQueue(store).add(['a.txt'], 1), /not valid JSON; fix or delete it/);
    assert.equal(await store.readStoreFile('queue.json'), '{oops');
  });
});
