import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MAX_LISTED_FILES, describeSkips, previewTitle, previewViewModel, renderPreviewHtml } from '../../../../src/features/submit/previewHtml';
import { prepareDocs, textWorkspace } from '../../support/jobFixtures';

const PAGE = { nonce: 'n0nce', cspSource: 'vscode-resource:' };

async function preparedWithSecret() {
  const root = await textWorkspace(3);
  await fs.writeFile(path.join(root, 'docs', '.env'), 'TOKEN=abc\n');
  await fs.writeFile(path.join(root, 'docs', 'a<b>.md'), 'Angle brackets in the name.\n');
  return prepareDocs(root, Date.parse('2026-11-22T08:30:00Z'));
}

describe('batch preview page', () => {
  it('shows files, skips with reasons, input tokens, the expected cost and the ceiling', async () => {
    const prepared = await preparedWithSecret();
    const model = previewViewModel(prepared, 1);
    assert.equal(model.files.length, 4);
    assert.deepEqual(model.skipped.map((skip) => skip.path), ['docs/.env']);
    assert.match(model.skipped[0].reason, /^secret/);
    assert.equal(model.overBudget, undefined);
    assert.ok(model.expected.batchUsd < model.ceiling.batchUsd, 'expected output is below max_tokens on every row');
    const html = renderPreviewHtml(model, PAGE);
    assert.match(html, /<h1>Batch preview: summarize · 4 files<\/h1>/);
    assert.match(html, /Expected cost<\/th><td><strong>≈\$[\d.]+<\/strong> at the batch price/);
    assert.match(html, /no finished job of this template yet: output guessed at 25%/);
    assert.match(html, /Ceiling<\/th><td>≈\$[\d.]+ if every row used all 4,096 output tokens/);
    assert.match(html, /Same job as sync calls<\/th><td>≈\$[\d.]+ · <strong>saving ≈\$[\d.]+/);
    assert.match(html, /<code>docs\/\.env<\/code><\/td><td>secret/);
    assert.match(html, /<code>docs\/a&lt;b&gt;\.md<\/code>/, 'file names are escaped');
    assert.ok(!html.includes('a<b>.md'));
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src vscode-resource: 'nonce-n0nce'; script-src 'nonce-n0nce';/);
    assert.match(html, /<button id="submit" autofocus>Submit Batch<\/button><button id="cancel" class="secondary">Cancel<\/button>/);
    assert.ok(!html.includes('would-fail'), 'no pre-flight section without a pre-flight list');
  });

  it('over budget, focuses Cancel and labels sending as a second, explicit step', async () => {
    const prepared = await preparedWithSecret();
    const model = previewViewModel(prepared, 0.000001);
    assert.deepEqual(model.overBudget, { limitUsd: 0.000001 });
    const html = renderPreviewHtml(model, PAGE);
    assert.match(html, /<button id="cancel" autofocus>Cancel<\/button><button id="submit" class="secondary">Send Anyway…<\/button>/);
    assert.match(html, /above your limit of/);
  });

  it('adds a "rows that would fail" section from a plain list', async () => {
    const prepared = await preparedWithSecret();
    const html = renderPreviewHtml(previewViewModel(prepared, 1, [{ path: 'docs/f1.md', reason: 'prompt too long for the model' }]), PAGE);
    assert.match(html, /<h2 id="would-fail">Rows that would fail \(1\)<\/h2>/);
    assert.match(html, /<code>docs\/f1\.md<\/code><\/td><td>prompt too long for the model/);
    assert.match(renderPreviewHtml(previewViewModel(prepared, 1, []), PAGE), /Rows that would fail \(0\)<\/h2><p>None found/);
  });

  it('names the skipped files and why when nothing is left to send', () => {
    assert.equal(describeSkips([]), '');
    assert.equal(describeSkips([{ relativePath: 'batch-inputs/mixed/.env', reason: 'secret' }]), ' (1 skipped: batch-inputs/mixed/.env: secret)');
    const many = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ relativePath: `${name}.png`, reason: 'binary' as const }));
    assert.equal(describeSkips(many), ' (5 skipped: a.png: binary; b.png: binary; c.png: binary; and 2 more (see the Batchlens log))');
  });

  it('lists the first 500 rows and counts the rest, without reading the whole manifest back', async () => {
    const root = await textWorkspace(520);
    const prepared = await prepareDocs(root, Date.parse('2026-11-22T08:30:00Z'));
    Object.defineProperty(prepared.job, 'manifest', {
      get: () => {
        throw new Error('the preview read the whole manifest');
      },
    });
    const model = previewViewModel(prepared, 1);
    assert.equal(model.fileCount, 520);
    assert.equal(model.files.length, MAX_LISTED_FILES);
    assert.deepEqual(model.files.slice(0, 2).map((file) => file.path), ['docs/f0.md', 'docs/f1.md']);
    const html = renderPreviewHtml(model, PAGE);
    assert.match(html, /<h1>Batch preview: summarize · 520 files<\/h1>/);
    assert.match(html, /<h2 id="files">Files \(520\)<\/h2>/);
    assert.match(html, /… and 20 more<\/td>/);
  });

  it('titles the panel with the template and the file count', async () => {
    assert.equal(previewTitle(previewViewModel(await preparedWithSecret(), 1)), 'Batch preview: summarize · 4 files');
  });
});
