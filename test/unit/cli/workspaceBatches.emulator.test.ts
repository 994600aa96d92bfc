import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { runCli } from '../../../src/cli/main';
import { FileJobStore } from '../../../src/core/tracking/jobStore';
import { createEmulator, type Emulator } from '../../emulator/emulator';
import { recordingIo } from '../support/recordingIo';

const KEY = 'sk-ant-test-workspace';
const OTHER_WORKSPACE = 'wrkspc_01TeamLeadOther';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed CLI output; each test checks the fields it reads
type CliJson = any;

async function cli(root: string, emulator: Emulator, argv: string[]): Promise<{ code: number; out: string; err: string; json: () => CliJson }> {
  const io = recordingIo(root, { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: emulator.url });
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err, json: () => JSON.parse(io.out) };
}

/** A batch created the way a script or notebook would: straight through the SDK, no Batchlens involved. */
async function createWithSdk(emulator: Emulator, ids: string[], workspaceId?: string): Promise<string> {
  const client = new Anthropic({ apiKey: KEY, baseURL: emulator.url, maxRetries: 0 });
  const batch = await client.messages.batches.create({
    requests: ids.map((customId) => ({
      custom_id: customId,
      params: { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: `Summarise item ${customId} in one line.` }] },
    })),
    ...(workspaceId ? { workspace_id: workspaceId } : {}),
  });
  return batch.id;
}

describe('workspace batches: list --all and adopt against the emulator', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let root: string;

  beforeEach(async () => {
    // A clock that stands still: batches run until a test ends them (admin.endBatch), however slow the machine.
    const frozenAt = Date.now();
    emulator = await createEmulator({ clock: { now: () => frozenAt } });
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-workspace-'));
  });

  afterEach(async () => {
    await emulator.close();
  });

  it('lists batches created directly through the SDK, newest first, and links a Batchlens job\'s batch to its job', async () => {
    const older = await createWithSdk(emulator, ['row-a', 'row-b']);
    await fs.mkdir(path.join(root, 'src'));
    await fs.writeFile(path.join(root, 'src', 'one.ts'), 'export const one = 1;\n');
    const submitted = await cli(root, emulator, ['batch', 'submit', 'src', '--yes', '--json']);
    assert.equal(submitted.code, 0, submitted.err);
    const newer = await createWithSdk(emulator, ['row-c']);

    const listed = await cli(root, emulator, ['batch', 'list', '--all', '--json']);
    assert.equal(listed.code, 0, listed.err);
    const page = listed.json();
    assert.deepEqual(page.batches.map((batch: CliJson) => batch.id), [newer, submitted.json().batches[0], older]);
    assert.equal(page.batches[0].job, undefined);
    assert.deepEqual(page.batches[1].job, { id: submitted.json().jobId, adopted: false });
    assert.deepEqual(page.batches[2].counts, { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    assert.match(page.batches[2].expiresAt, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(page.hasMore, false);
    assert.equal(page.workspaceId, null);
  });

  it('pages with --limit/--after and filters by status', async () => {
    const first = await createWithSdk(emulator, ['p1']);
    const second = await createWithSdk(emulator, ['p2']);
    const third = await createWithSdk(emulator, ['p3']);
    emulator.admin.endBatch(second);

    const pageOne = (await cli(root, emulator, ['batch', 'list', '--all', '--limit', '2', '--json'])).json();
    assert.deepEqual(pageOne.batches.map((batch: CliJson) => batch.id), [third, second]);
    assert.equal(pageOne.hasMore, true);
    const pageTwo = (await cli(root, emulator, ['batch', 'list', '--all', '--limit', '2', '--after', pageOne.nextAfterId, '--json'])).json();
    assert.deepEqual(pageTwo.batches.map((batch: CliJson) => batch.id), [first]);
    assert.equal(pageTwo.hasMore, false);

    const ended = (await cli(root, emulator, ['batch', 'list', '--all', '--status', 'ended', '--json'])).json();
    assert.deepEqual(ended.batches.map((batch: CliJson) => batch.id), [second]);
    const running = (await cli(root, emulator, ['batch', 'list', '--all', '--status', 'running', '--json'])).json();
    assert.deepEqual(running.batches.map((batch: CliJson) => batch.id), [third, first]);
  });

  it('filters by age: --since leaves out batches created before it', async () => {
    await emulator.close();
    // The emulator's clock starts 3 h in the past: the first batch is 3 h old, the second is created now.
    emulator = await createEmulator({ clock: { now: () => Date.now() - 3 * 3_600_000 } });
    const old = await createWithSdk(emulator, ['old']);
    emulator.admin.advance(3 * 3_600_000);
    const recent = await createWithSdk(emulator, ['recent']);
    const listed = (await cli(root, emulator, ['batch', 'list', '--all', '--since', '1h', '--json'])).json();
    assert.deepEqual(listed.batches.map((batch: CliJson) => batch.id), [recent]);
    const all = (await cli(root, emulator, ['batch', 'list', '--all', '--since', '7d', '--json'])).json();
    assert.deepEqual(all.batches.map((batch: CliJson) => batch.id), [recent, old]);
    const bad = await cli(root, emulator, ['batch', 'list', '--all', '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /not an age/);
  });

  it('scopes by --workspace-id: another workspace\'s batches are listed only there, and adopt cannot reach them from the default one', async () => {
    const mine = await createWithSdk(emulator, ['mine']);
    const theirs = await createWithSdk(emulator, ['theirs'], OTHER_WORKSPACE);

    const defaultList = (await cli(root, emulator, ['batch', 'list', '--all', '--json'])).json();
    assert.deepEqual(defaultList.batches.map((batch: CliJson) => batch.id), [mine]);
    const otherList = (await cli(root, emulator, ['batch', '--workspace-id', OTHER_WORKSPACE, 'list', '--all', '--json'])).json();
    assert.deepEqual(otherList.batches.map((batch: CliJson) => batch.id), [theirs]);
    assert.equal(otherList.workspaceId, OTHER_WORKSPACE);

    emulator.admin.endBatch(theirs);
    const refused = await cli(root, emulator, ['batch', 'adopt', theirs]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /no batch .* in this key's default workspace/);
    const adopted = await cli(root, emulator, ['batch', 'adopt', theirs, '--workspace-id', OTHER_WORKSPACE, '--json']);
    assert.equal(adopted.code, 0, adopted.err);
    assert.equal(adopted.json().results.outcomes.succeeded, 1);
    const job = await new FileJobStore(root).get(adopted.json().jobId);
    assert.equal(job?.adopted?.workspaceId, OTHER_WORKSPACE);
  });

  it('emulator: a batch is invisible from another workspace (list, retrieve, cancel, results, delete all answer as the real API)', async () => {
    const theirs = await createWithSdk(emulator, ['scoped'], OTHER_WORKSPACE);
    const mine = new Anthropic({ apiKey: KEY, baseURL: emulator.url, maxRetries: 0 });
    const listed = [];
    for await (const batch of mine.messages.batches.list()) listed.push(batch.id);
    assert.deepEqual(listed, []);
    for (const call of [
      () => mine.messages.batches.retrieve(theirs),
      () => mine.messages.batches.cancel(theirs),
      () => mine.messages.batches.retrieve(theirs, { workspace_id: 'wrkspc_01SomeoneElse' }),
    ]) {
      await assert.rejects(call, (error: { status?: number }) => error.status === 404);
    }
    const scoped = await mine.messages.batches.retrieve(theirs, { workspace_id: OTHER_WORKSPACE });
    assert.equal(scoped.id, theirs);
    emulator.admin.endBatch(theirs);
    const rows = [];
    for await (const row of await mine.messages.batches.results(theirs, { workspace_id: OTHER_WORKSPACE })) rows.push(row.custom_id);
    assert.deepEqual(rows, ['scoped']);
    await assert.rejects(() => mine.messages.batches.delete(theirs), (error: { status?: number }) => error.status === 404);
    await mine.messages.batches.delete(theirs, { workspace_id: OTHER_WORKSPACE });
  });

  it('adopts an ended SDK batch: writes each row by custom_id, prices it from usage, and a second adopt changes nothing', async () => {
    const batchId = await createWithSdk(emulator, ['alpha', 'beta', 'gamma']);
    emulator.admin.endBatch(batchId);

    const first = await cli(root, emulator, ['batch', 'adopt', batchId, '--json']);
    assert.equal(first.code, 0, first.err);
    const adopted = first.json();
    assert.equal(adopted.created, true);
    assert.equal(adopted.batch.status, 'ended');
    assert.equal(adopted.rows, 3);
    const resultsDir = `.batchlens/results/${adopted.jobId}`;
    assert.deepEqual([...adopted.results.written].sort(), ['alpha', 'beta', 'gamma'].map((id) => `${resultsDir}/${id}.md`));
    for (const file of adopted.results.written) {
      assert.ok((await fs.readFile(path.join(root, file), 'utf8')).trim().length > 0);
    }
    assert.equal(adopted.savings.pricedRows, 3);
    assert.ok(adopted.savings.actualUsd > 0);
    assert.ok(adopted.savings.savedUsd > 0 && adopted.savings.actualUsd < adopted.savings.syncUncachedUsd);
    const rawBefore = await fs.readFile(path.join(root, adopted.results.rawFiles[0]), 'utf8');
    assert.equal(rawBefore.trim().split('\n').length, 3);

    const second = await cli(root, emulator, ['batch', 'adopt', batchId, '--json']);
    assert.equal(second.code, 0, second.err);
    const again = second.json();
    assert.equal(again.created, false);
    assert.equal(again.jobId, adopted.jobId);
    assert.deepEqual(again.results.written, []);
    assert.equal(again.rows, 3);
    assert.equal(again.savings.actualUsd, adopted.savings.actualUsd);
    assert.equal(await fs.readFile(path.join(root, adopted.results.rawFiles[0]), 'utf8'), rawBefore);
    assert.equal((await new FileJobStore(root).list()).length, 1);

    const listed = (await cli(root, emulator, ['batch', 'list', '--all', '--json'])).json();
    assert.deepEqual(listed.batches[0].job, { id: adopted.jobId, adopted: true });
    assert.equal(listed.batches[0].cost.actualUsd, adopted.savings.actualUsd);
    assert.equal(listed.batches[0].cost.savedUsd, adopted.savings.savedUsd);

    const jobs = (await cli(root, emulator, ['batch', 'list', '--json'])).json();
    assert.equal(jobs[0].jobId, adopted.jobId);
    assert.deepEqual(jobs[0].counts, { processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
  });

  it('adopts a running batch, follows it, cancels it through its job, and downloads once it has ended', async () => {
    const batchId = await createWithSdk(emulator, ['one', 'two']);
    const adopted = await cli(root, emulator, ['batch', 'adopt', batchId, '--json']);
    assert.equal(adopted.code, 0, adopted.err);
    assert.equal(adopted.json().results, null);
    const jobId = adopted.json().jobId;
    const listed = (await cli(root, emulator, ['batch', 'list', '--json'])).json();
    assert.deepEqual(listed[0].counts, { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 });

    const canceled = await cli(root, emulator, ['batch', 'cancel', jobId, '--json']);
    assert.equal(canceled.code, 0, canceled.err);
    assert.deepEqual(canceled.json().canceled, [batchId]);
    emulator.admin.endBatch(batchId);
    const after = await cli(root, emulator, ['batch', 'adopt', batchId, '--json']);
    assert.equal(after.json().created, false);
    assert.equal(after.json().results.outcomes.canceled, 2);
  });

  it('retries an adopted batch\'s failed rows by error class when its original requests are given', async () => {
    emulator.admin.setFaults([
      { kind: 'row_error', customIdPattern: '^flaky$', errorType: 'overloaded_error', message: 'Overloaded', times: 1 },
      { kind: 'row_error', customIdPattern: '^broken$', errorType: 'invalid_request_error', message: 'messages.0.content: too long' },
    ]);
    const ids = ['fine', 'flaky', 'broken'];
    const batchId = await createWithSdk(emulator, ids);
    emulator.admin.endBatch(batchId);
    const requests = ids.map((customId) => JSON.stringify({ custom_id: customId, params: { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: `Summarise item ${customId} in one line.` }] } }));
    await fs.writeFile(path.join(root, 'requests.jsonl'), `${requests.join('\n')}\n`);

    const adopted = await cli(root, emulator, ['batch', 'adopt', batchId, '--requests', 'requests.jsonl', '--json']);
    assert.equal(adopted.code, 0, adopted.err);
    assert.deepEqual(adopted.json().results.outcomes, { succeeded: 1, errored: 2, canceled: 0, expired: 0 });
    const retry = await cli(root, emulator, ['batch', 'retry', adopted.json().jobId, '--json']);
    assert.equal(retry.code, 0, retry.err);
    assert.deepEqual(retry.json().resent, ['flaky']);
    assert.deepEqual(retry.json().forEditing.map((row: CliJson) => row.customId), ['broken']);
  });

  it('refuses to resend rows of an adopted batch whose requests it does not have, saying how to give them', async () => {
    emulator.admin.setFaults([{ kind: 'row_error', customIdPattern: '^flaky$', errorType: 'overloaded_error', message: 'Overloaded', times: 1 }]);
    const batchId = await createWithSdk(emulator, ['fine', 'flaky']);
    emulator.admin.endBatch(batchId);
    const adopted = await cli(root, emulator, ['batch', 'adopt', batchId, '--json']);
    assert.equal(adopted.code, 0, adopted.err);
    const batchCount = () => (emulator.admin.state() as { batches: unknown[] }).batches.length;
    const before = batchCount();

    const dryRun = await cli(root, emulator, ['batch', 'retry', adopted.json().jobId, '--dry-run', '--json']);
    assert.equal(dryRun.code, 0, dryRun.err);
    assert.deepEqual(dryRun.json().planned.map((row: CliJson) => row.customId), ['flaky']);
    const refused = await cli(root, emulator, ['batch', 'retry', adopted.json().jobId]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /does not have the original requests of flaky .*--requests/);
    assert.equal(batchCount(), before, 'no batch was created');
  });

  it('refuses a malformed or unknown batch id with one clear line and records nothing', async () => {
    const malformed = await cli(root, emulator, ['batch', 'adopt', '../../etc/passwd']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.err, /is not a Message Batch id/);
    const unknown = await cli(root, emulator, ['batch', 'adopt', 'msgbatch_01NoSuchBatch']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no batch msgbatch_01NoSuchBatch/);
    assert.deepEqual(await new FileJobStore(root).list(), []);
  });
});
