import { strict as assert } from 'node:assert';
import { adoptedJobId, parseRequestsFile } from '../../../../src/core/tracking/adoptBatch';
import { adoptedManifestEntry, recordAdoptedRows, resultsLocationFor } from '../../../../src/core/tracking/adoptedRows';
import type { Job } from '../../../../src/core/jobs/jobModel';
import { jobCounts } from '../../../../src/core/tracking/jobStatus';
import { type WorkspaceBatch, batchCost, parseAge, parseStatuses, untrackedBatches } from '../../../../src/core/tracking/workspaceBatches';
import { viewDescription, workspaceBatchNode, workspaceStatusText } from '../../../../src/features/tracker/workspaceTreeModel';

function adoptedJob(overrides: Partial<Job> = {}): Job {
  return {
    schemaVersion: 1,
    id: 'job_20261204T100000Z_adopted_0a1b2c3d',
    createdAt: Date.parse('2026-12-04T10:00:00Z'),
    template: { name: 'adopted batch', model: 'unknown', maxTokens: 0 },
    manifest: [],
    batches: [{ index: 0, customIds: [], intentAt: 0, requestsSha256: '', batchId: 'msgbatch_01Abc', purpose: 'initial', status: 'in_progress', counts: { processing: 4, succeeded: 0, errored: 0, canceled: 0, expired: 0 } }],
    rows: {},
    estimate: { batchUsd: 0, syncUsd: 0, inputTokens: 0, outputTokensBound: 0 },
    requestsFile: 'requests/x.jsonl',
    adopted: { batchId: 'msgbatch_01Abc', adoptedAt: 0 },
    ...overrides,
  };
}

describe('workspace batches and adoption (pure parts)', () => {
  describe('parseAge', () => {
    for (const [text, ms] of [['90m', 90 * 60_000], ['24h', 86_400_000], ['7d', 7 * 86_400_000], ['2w', 14 * 86_400_000], ['1.5h', 5_400_000]] as const) {
      it(`reads ${text} as ${ms} ms`, () => assert.equal(parseAge(text), ms));
    }
    for (const bad of ['', '7', 'yesterday', '-1d', '3y']) {
      it(`refuses '${bad}'`, () => assert.throws(() => parseAge(bad), /not an age/));
    }
  });

  it('parses statuses, with running as in_progress + canceling, and refuses unknown ones', () => {
    assert.deepEqual(parseStatuses('running'), ['in_progress', 'canceling']);
    assert.deepEqual(parseStatuses('ended, in_progress'), ['ended', 'in_progress']);
    assert.throws(() => parseStatuses('done'), /unknown status 'done'/);
  });

  it('derives the same sortable job id for the same batch, and a different one for another batch', () => {
    const id = adoptedJobId('msgbatch_01Abc', '2026-12-04T10:00:00.123Z');
    assert.match(id, /^job_20261204T100000Z_adopted_[0-9a-f]{8}$/);
    assert.equal(adoptedJobId('msgbatch_01Abc', '2026-12-04T10:00:00.123Z'), id);
    assert.notEqual(adoptedJobId('msgbatch_01Abd', '2026-12-04T10:00:00.123Z'), id);
  });

  it('makes manifest entries by custom_id only for adopted jobs and only for ids the API allows', () => {
    assert.deepEqual(adoptedManifestEntry(adoptedJob(), 'row-1'), { customId: 'row-1', relativePath: 'row-1', contentSha256: '', bytes: 0, estimatedInputTokens: 0 });
    assert.equal(adoptedManifestEntry(adoptedJob(), '../escape'), undefined);
    assert.equal(adoptedManifestEntry(adoptedJob({ adopted: undefined }), 'row-1'), undefined);
    assert.equal(resultsLocationFor(adoptedJob(), 'besideSource'), 'store');
    assert.equal(resultsLocationFor(adoptedJob({ adopted: undefined }), 'besideSource'), 'besideSource');
  });

  it('records rows read from an adopted batch once, in the manifest and the batch', () => {
    const job = adoptedJob();
    recordAdoptedRows(job, 'msgbatch_01Abc', ['a', 'b']);
    recordAdoptedRows(job, 'msgbatch_01Abc', ['b', 'c']);
    assert.deepEqual(job.manifest.map((entry) => entry.customId), ['a', 'b', 'c']);
    assert.deepEqual(job.batches[0].customIds, ['a', 'b', 'c']);
  });

  it('counts an adopted batch by its request_counts before any row is known', () => {
    assert.deepEqual(jobCounts(adoptedJob()), { processing: 4, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
  });

  it('prices one batch of a job from its own rows only', () => {
    const usage = { input_tokens: 1_000_000, output_tokens: 0, service_tier: 'batch' };
    const job = adoptedJob({
      rows: {
        a: [{ batchId: 'msgbatch_01Abc', outcome: 'succeeded', model: 'claude-sonnet-4-6', usage }],
        b: [{ batchId: 'msgbatch_other', outcome: 'succeeded', model: 'claude-sonnet-4-6', usage }],
      },
    });
    const cost = batchCost(job, 'msgbatch_01Abc');
    assert.equal(cost?.pricedRows, 1);
    assert.equal(cost?.actualUsd, 1.5, 'a million Sonnet 4.6 input tokens at the batch price ($3 / 2)');
    assert.equal(cost?.syncUncachedUsd, 3);
    assert.equal(batchCost(job, 'msgbatch_none'), undefined);
  });

  it('reads original requests as JSONL or as a create body, and names the first bad line', () => {
    const request = { custom_id: 'r1', params: { model: 'm', max_tokens: 1, messages: [] } };
    assert.deepEqual(parseRequestsFile(`${JSON.stringify(request)}\n\n`), [request]);
    assert.deepEqual(parseRequestsFile(JSON.stringify({ requests: [request] })), [request]);
    assert.throws(() => parseRequestsFile(`${JSON.stringify(request)}\nnot json`), /line 2 is not JSON/);
    assert.throws(() => parseRequestsFile('{"custom_id": 3}'), /line 1: expected/);
  });

  it('leaves batches of local jobs out of the workspace root', () => {
    const batch = (id: string, job?: WorkspaceBatch['job']): WorkspaceBatch => ({
      id, status: 'ended', counts: { processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 0 }, createdAt: '', endedAt: null, expiresAt: '', archivedAt: null, ...(job ? { job } : {}),
    });
    assert.deepEqual(untrackedBatches([batch('a'), batch('b', { id: 'job_x', adopted: true }), batch('c')]).map((b) => b.id), ['a', 'c']);
  });

  it('shows a workspace batch with its status, counts and age, and menu flags by status', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    const node = workspaceBatchNode({
      id: 'msgbatch_01Abc', status: 'in_progress', counts: { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      createdAt: '2026-12-04T10:00:00Z', endedAt: null, expiresAt: '2026-12-05T10:00:00Z', archivedAt: null,
    }, now);
    assert.equal(node.label, 'running · 3 processing');
    assert.equal(node.description, '2h 00m ago · msgbatch_01Abc');
    assert.equal(node.contextValue, 'workspaceBatch running');
    assert.match(node.tooltip, /Expires 2026-12-05T10:00:00Z \(in 22h 00m\)/);
  });

  it('names the workspace shown in the view description and the status bar', () => {
    assert.equal(viewDescription('', {}), 'default workspace');
    assert.equal(viewDescription('wrkspc_01X', { statuses: ['ended'], maxAgeMs: 7 * 86_400_000 }), 'wrkspc_01X · ended · last 7d 0h');
    assert.equal(workspaceStatusText('wrkspc_01X').text, '$(organization) wrkspc_01X');
    assert.equal(workspaceStatusText('').text, '$(organization) default workspace');
  });
});
