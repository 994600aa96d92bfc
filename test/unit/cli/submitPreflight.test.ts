import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { runCli } from '../../../src/cli/main';
import { type Emulator, createEmulator } from '../../emulator/emulator';
import { recordingIo } from '../support/recordingIo';

const KEY = 'sk-ant-test-preflight';

/** Words from a fixed linear congruential sequence: text no tokenizer shortcut can shrink. */
function bigText(lines: number): string {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'zeta', 'theta', 'kappa', 'omega', 'sigma', 'lambda'];
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  const out: string[] = [];
  for (let line = 0; line < lines; line++) {
    const row: string[] = [];
    for (let word = 0; word < 12; word++) row.push(`${words[next() % words.length]}${next() % 100_000}`);
    out.push(row.join(' '));
  }
  return `${out.join('\n')}\n`;
}

/** 4 small files and one whose prompt is longer than Haiku 4.5's 200k-token window; a Haiku 4.5 template. */
async function workspace(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-preflight-'));
  await fs.mkdir(path.join(root, 'src'), { recursive: true });
  await fs.mkdir(path.join(root, '.batchlens', 'templates'), { recursive: true });
  for (let index = 1; index <= 4; index++) await fs.writeFile(path.join(root, 'src', `f${index}.py`), `def f${index}():\n    return ${index}\n`);
  await fs.writeFile(path.join(root, 'src', 'big.txt'), bigText(7600));
  await fs.writeFile(path.join(root, '.batchlens', 'templates', 'short.md'), '---\nmodel: claude-haiku-4-5\nmax_tokens: 200\n---\nSummarize {{file.content}}\n');
  await fs.writeFile(path.join(root, '.batchlens', 'templates', 'warm.md'), '---\nmodel: claude-haiku-4-5\nmax_tokens: 200\ntemperature: 0.2\n---\nSummarize {{file.content}}\n');
  return root;
}

describe('batchlens batch submit: pre-flight', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await createEmulator();
  });
  afterEach(async () => {
    await emulator.close();
  });
  const env = () => ({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: emulator.url });
  const creates = () => emulator.admin.requests().filter((request) => request.method === 'POST' && request.path === '/v1/messages/batches').length;

  it('refuses a template with temperature at parse time: exit 2, file and line, nothing sent', async () => {
    const root = await workspace();
    const io = recordingIo(root, env());
    assert.equal(await runCli(['batch', 'submit', 'src', '--template', 'warm', '--yes'], io), 2);
    assert.match(io.err, /\.batchlens\/templates\/warm\.md:4: `temperature` is not accepted under anthropic-version 2026-10-21/);
    assert.equal(creates(), 0);
  });

  it('says "1 row would fail" in the preview and --json, sends nothing without --send-failing, and all rows with it', async () => {
    const root = await workspace();
    const preview = recordingIo(root, env());
    assert.equal(await runCli(['batch', 'submit', 'src', '--template', 'short', '--dry-run'], preview), 0, preview.err);
    assert.match(preview.out, /Pre-flight: 1 row would fail \(of 5, anthropic-version 2026-10-21\)\.\n {2}src\/big\.txt: the prompt \(≈[\d,]+ tokens\) is longer than claude-haiku-4-5's 200,000-token context window/);

    const refused = recordingIo(root, env());
    assert.equal(await runCli(['batch', 'submit', 'src', '--template', 'short', '--yes', '--json'], refused), 1);
    const report = JSON.parse(refused.out);
    assert.equal(report.preflight.failingRows, 1);
    assert.deepEqual(report.preflight.problems.map((problem: { path: string; check: string }) => [problem.path, problem.check]), [['src/big.txt', 'prompt_too_long']]);
    assert.deepEqual([report.batches, report.sent], [[], false]);
    assert.match(refused.err, /1 row would fail: nothing was sent; .*--send-failing/);
    assert.equal(creates(), 0, 'nothing sent');

    const sent = recordingIo(root, env());
    assert.equal(await runCli(['batch', 'submit', 'src', '--template', 'short', '--yes', '--json', '--send-failing'], sent), 0, sent.err);
    const sentReport = JSON.parse(sent.out);
    const batchId = sentReport.batches[0] as string;
    assert.equal(creates(), 1);
    // The emulator, like the API, fails that row once the batch ends: pre-flight was right.
    emulator.admin.endBatch(batchId);
    const client = new Anthropic({ apiKey: KEY, baseURL: emulator.url });
    const errored: string[] = [];
    for await (const row of await client.messages.batches.results(batchId)) if (row.result.type === 'errored') errored.push(row.custom_id);
    // Each job's custom_ids carry its own tag, so the id to expect is the sent job's.
    assert.deepEqual(sentReport.preflight.problems.map((problem: { path: string }) => problem.path), ['src/big.txt']);
    assert.deepEqual(errored, [sentReport.preflight.problems[0].customId]);
  });
});
