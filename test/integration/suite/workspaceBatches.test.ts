import * as assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import * as vscode from 'vscode';
import type { AdoptCommandResult } from '../../../src/features/tracker/registerWorkspaceBatches';
import type { WorkspaceRootItem } from '../../../src/features/tracker/workspaceBatchesProvider';
import { type RootItem, EMULATOR_KEY, clearNotifications, emulatorUrl, jobStore, storedJob, useEmulatorKey, forgetEmulatorKey } from './batchSupport';
import { waitFor } from './support';

const OTHER_WORKSPACE = 'wrkspc_01IntegrationOther';

/** A batch made the way a script or notebook would: straight through the SDK, Batchlens not involved. */
async function createWithSdk(ids: string[], workspaceId?: string): Promise<string> {
  const client = new Anthropic({ apiKey: EMULATOR_KEY, baseURL: emulatorUrl(), maxRetries: 0 });
  const batch = await client.messages.batches.create({
    requests: ids.map((customId) => ({
      custom_id: customId,
      params: { model: 'claude-sonnet-4-6', max_tokens: 120, messages: [{ role: 'user', content: `Write one line about ${customId}.` }] },
    })),
    ...(workspaceId ? { workspace_id: workspaceId } : {}),
  });
  return batch.id;
}

async function endNow(batchId: string, workspaceId?: string): Promise<void> {
  const response = await fetch(`${emulatorUrl()}/_admin/batches/${batchId}/end`, { method: 'POST', headers: workspaceId ? { 'anthropic-workspace-id': workspaceId } : {} });
  assert.ok(response.ok, `the emulator could not end ${batchId}: ${response.status}`);
}

async function workspaceItems(): Promise<WorkspaceRootItem[]> {
  return (await vscode.commands.executeCommand<WorkspaceRootItem[]>('batchlens.refreshWorkspaceBatches')) ?? [];
}

describe('workspace batches (Workspace Batches view and Adopt Batch, against the emulator)', () => {
  const adoptedJobs: string[] = [];

  before(async () => {
    await useEmulatorKey();
  });

  after(async () => {
    await vscode.workspace.getConfiguration('batchlens').update('workspaceId', undefined, vscode.ConfigurationTarget.Workspace);
    for (const jobId of adoptedJobs) await jobStore().delete(jobId);
    await vscode.commands.executeCommand('batchlens.refreshBatches');
    await clearNotifications();
    await forgetEmulatorKey();
  });

  it('lists a batch created directly through the SDK, adopts it (results and savings), and a second adopt changes nothing', async () => {
    const stamp = Date.now().toString(36);
    const ids = [`ws-${stamp}-a`, `ws-${stamp}-b`, `ws-${stamp}-c`];
    const batchId = await createWithSdk(ids);

    const listed = await waitFor('the SDK batch in the Workspace Batches view', async () => (await workspaceItems()).find((item) => item.batchId === batchId));
    assert.match(listed.label, /3 (processing|succeeded)/);
    assert.match(listed.description, new RegExp(batchId));
    assert.ok(listed.contextValue.split(' ').includes('workspaceBatch'));

    await endNow(batchId);
    const first = await vscode.commands.executeCommand<AdoptCommandResult>('batchlens.adoptBatch', batchId);
    assert.ok(first, 'adoptBatch returned nothing');
    adoptedJobs.push(first.jobId);
    assert.equal(first.created, true);
    assert.equal(first.status, 'ended');
    assert.equal(first.written, 3);
    assert.equal(first.pricedRows, 3);
    assert.ok(first.actualUsd > 0 && first.savedUsd > 0, `savings: ${JSON.stringify(first)}`);

    const job = await storedJob(first.jobId);
    assert.deepEqual(job.manifest.map((entry) => entry.customId).sort(), [...ids].sort());
    for (const id of ids) {
      const output = job.rows[id]?.at(-1)?.outputPath;
      assert.equal(output, `.batchlens/results/${first.jobId}/${id}.md`);
    }

    // Shown once: under its job in the Batches view, no longer among the workspace's other batches.
    assert.ok(!(await workspaceItems()).some((item) => item.batchId === batchId));
    const roots = (await vscode.commands.executeCommand<RootItem[]>('batchlens.refreshBatches')) ?? [];
    assert.ok(roots.some((item) => item.jobId === first.jobId), 'the adopted job is a root of the Batches view');

    const second = await vscode.commands.executeCommand<AdoptCommandResult>('batchlens.adoptBatch', batchId);
    assert.equal(second?.created, false);
    assert.equal(second?.jobId, first.jobId);
    assert.equal(second?.written, 0);
    assert.equal(second?.actualUsd, first.actualUsd);
    assert.equal((await jobStore().list()).filter((candidate) => candidate.adopted?.batchId === batchId).length, 1);
  });

  it('filters the view by status, and pages with Load More', async () => {
    const ended = await createWithSdk([`filter-ended-${Date.now().toString(36)}`]);
    await endNow(ended);
    const running = await createWithSdk([`filter-running-${Date.now().toString(36)}`]);
    try {
      const endedOnly = (await vscode.commands.executeCommand<WorkspaceRootItem[]>('batchlens.filterWorkspaceBatches', { statuses: ['ended'] })) ?? [];
      assert.ok(endedOnly.some((item) => item.batchId === ended), 'the ended batch is listed');
      assert.ok(!endedOnly.some((item) => item.batchId === running), 'the running one is filtered out');
      assert.ok(endedOnly.every((item) => item.label.startsWith('ended')), JSON.stringify(endedOnly));
    } finally {
      await vscode.commands.executeCommand('batchlens.filterWorkspaceBatches', {});
    }
    const all = await workspaceItems();
    assert.ok(all.some((item) => item.batchId === running));

    // Paging: two per page shows the two newest; Load More appends the next, older one.
    const third = await createWithSdk([`page-${Date.now().toString(36)}`]);
    try {
      const firstPage = (await vscode.commands.executeCommand<WorkspaceRootItem[]>('batchlens.refreshWorkspaceBatches', { pageSize: 2 })) ?? [];
      assert.deepEqual(firstPage.map((item) => item.batchId), [third, running]);
      const more = (await vscode.commands.executeCommand<WorkspaceRootItem[]>('batchlens.loadMoreWorkspaceBatches')) ?? [];
      assert.deepEqual(more.slice(0, 3).map((item) => item.batchId), [third, running, ended]);
    } finally {
      await vscode.commands.executeCommand('batchlens.refreshWorkspaceBatches', { pageSize: 20 });
    }
  });

  it('shows another workspace\'s batches when batchlens.workspaceId names it', async () => {
    const mine = await createWithSdk([`mine-${Date.now().toString(36)}`]);
    const theirs = await createWithSdk([`theirs-${Date.now().toString(36)}`], OTHER_WORKSPACE);
    const defaultIds = (await workspaceItems()).map((item) => item.batchId);
    assert.ok(defaultIds.includes(mine));
    assert.ok(!defaultIds.includes(theirs));

    await vscode.workspace.getConfiguration('batchlens').update('workspaceId', OTHER_WORKSPACE, vscode.ConfigurationTarget.Workspace);
    const otherIds = (await workspaceItems()).map((item) => item.batchId);
    assert.deepEqual(otherIds, [theirs]);
  });
});
