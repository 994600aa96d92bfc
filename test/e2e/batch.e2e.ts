// E2E: batch files from the Explorer and follow the job in the Batches view, the way a person does,
// against the local Message Batches emulator that scripts/run-e2e.mjs starts (its URL is in the
// user settings as `batchlens.apiBaseUrl`). Runs after workbench.e2e.ts, whose last screenshot is 08;
// each step here saves the next numbered screenshot under test-results/e2e/.
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { runFromPalette, setApiKeyFromPalette, screenshot, useWorkbench, type E2eEnvironment } from './support/workbench';

/** Not a real key: the emulator accepts any key that starts with sk-ant-. */
/** Two files and a folder of three tickets: five requests. */
const JOB_LABEL = 'summarize · 5 files';

function explorerRow(page: Page, name: string, level: number): Locator {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-level="${level}"]`, { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }).first();
}

function batchesRow(page: Page, text: string | RegExp): Locator {
  return page.locator('.pane-body .monaco-list-row', { hasText: text }).first();
}

/** Shows the Batchlens side bar (clicking its icon while it is shown would close it). With two views the title is the container's alone. */
async function openBatchlensView(page: Page): Promise<void> {
  const title = page.locator('.sidebar .title-label', { hasText: /Batchlens/i }).first();
  if (!(await title.isVisible())) await page.locator('.activitybar .action-item a[aria-label^="Batchlens"]').first().click();
  await title.waitFor({ state: 'visible' });
}

/**
 * Moves the pointer off the Explorer and waits until no hover is open: a row's path hover that opens
 * under the resting pointer can cover the next row and swallow its click.
 */
async function clearOfHovers(page: Page): Promise<void> {
  await page.mouse.move(1, 1);
  await page.locator('.context-view .hover-contents').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

describe('Batching files from the Explorer and tracking the job', function () {
  const session = useWorkbench();
  let env: E2eEnvironment;
  let page: Page;

  before(() => {
    ({ env, page } = session);
  });

  it('stores the API key from the command palette', async () => {
    await setApiKeyFromPalette(page);
    // The Batches view's welcome content follows the key: now it offers to batch files.
    await openBatchlensView(page);
    await page.locator('.welcome-view-content', { hasText: 'Next step: select files or folders in the Explorer' }).waitFor({ state: 'visible', timeout: 20_000 });
    await runFromPalette(page, 'Notifications: Clear All Notifications');
  });

  it('selects two files and a folder in the Explorer and opens the context menu', async () => {
    await page.keyboard.press('Control+Shift+E');
    const docs = explorerRow(page, 'docs', 1);
    await docs.waitFor({ state: 'visible' });
    if ((await docs.getAttribute('aria-expanded')) !== 'true') await docs.click();
    const releaseNotes = explorerRow(page, 'release-notes.md', 2);
    const tickets = explorerRow(page, 'tickets', 2);
    const readme = explorerRow(page, 'README.md', 1);
    await clearOfHovers(page);
    await releaseNotes.click();
    await clearOfHovers(page);
    await readme.click({ modifiers: ['Control'] });
    await clearOfHovers(page);
    await tickets.click({ modifiers: ['Control'] });
    for (const row of [releaseNotes, readme, tickets]) {
      assert.equal(await row.getAttribute('aria-selected'), 'true', `${await row.innerText()} is selected`);
    }
    await screenshot(page, env, '09-batch-explorer-selection');
    await clearOfHovers(page);
    await tickets.click({ button: 'right' });
    const item = page.locator('.context-view .action-item', { hasText: 'Batch Selected Files' }).first();
    await item.waitFor({ state: 'visible' });
    await screenshot(page, env, '10-batch-context-menu');
    await item.click();
  });

  it('picks the template in the QuickPick', async () => {
    const picker = page.locator('.quick-input-widget', { hasText: 'prompt template' });
    await picker.waitFor({ state: 'visible' });
    const summarize = picker.locator('.monaco-list-row', { hasText: /^summarize/ }).first();
    await summarize.waitFor({ state: 'visible' });
    await screenshot(page, env, '11-batch-template-pick');
    await summarize.click();
  });

  it('shows the cost preview panel and submits on "Submit Batch"', async () => {
    const tab = page.locator('.tabs-container .tab', { hasText: /Batch preview: summarize · 5 files/ }).first();
    await tab.waitFor({ state: 'visible', timeout: 30_000 });
    // The panel's page lives in two nested iframes.
    const content = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await content.getByText('Expected cost').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.notification-toast', { hasText: 'collecting files' }).waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    const text = await content.locator('body').innerText();
    assert.match(text, /5 in 1 batch/);
    assert.match(text, /Expected cost\s+≈\$[\d.]+ at the batch price/);
    assert.match(text, /Ceiling\s+≈\$[\d.]+/);
    await screenshot(page, env, '12-batch-cost-preview');
    await content.locator('#submit').click();
    await tab.waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('shows the job running in the Batches view', async () => {
    const job = batchesRow(page, JOB_LABEL);
    await job.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await job.innerText(), /running/);
    await screenshot(page, env, '13-batch-job-running');
  });

  it('watches the job end', async () => {
    const job = batchesRow(page, JOB_LABEL);
    await page.waitForFunction(
      (label) => Array.from(document.querySelectorAll('.pane-body .monaco-list-row')).some((row) => row.textContent?.includes(label) && row.textContent.includes('done')),
      JOB_LABEL,
      { timeout: 90_000 },
    );
    assert.match(await job.innerText(), /done · 5 succeeded/);
    await page.locator('.notification-toast', { hasText: `${JOB_LABEL} ended` }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await page.waitForTimeout(1_000);
    await screenshot(page, env, '14-batch-job-ended');
  });

  it('downloads the results and opens one beside its source', async () => {
    // "Open Results" on the ended notification downloads the results first.
    await page.locator('.notification-toast', { hasText: `${JOB_LABEL} ended` }).locator('.monaco-button', { hasText: 'Open Results' }).first().click();
    // Open Results downloads, then reveals the results folder in the Explorer: wait for that before
    // going back to the Batches view, or the reveal would switch the sidebar away mid-click.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'results' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await openBatchlensView(page);
    const job = batchesRow(page, JOB_LABEL);
    await job.click();
    const batch = batchesRow(page, /Batch 1 · 5 rows/);
    await batch.waitFor({ state: 'visible' });
    // The rows appear under the batch once the download has recorded them.
    for (let attempt = 0; attempt < 20 && !(await batchesRow(page, 'ticket-1041.txt').isVisible()); attempt++) {
      if ((await batch.getAttribute('aria-expanded')) !== 'true') await batch.click();
      await page.waitForTimeout(500);
    }
    await batchesRow(page, 'ticket-1041.txt').click();
    // The summarize template names outputs <file>.summary.md; the row opens it beside its source.
    const resultTab = page.locator('.tabs-container .tab', { hasText: /ticket-1041\.txt\..*md/ }).first();
    await resultTab.waitFor({ state: 'visible', timeout: 20_000 });
    await page.locator('.editor-instance .view-lines', { hasText: /Summary\s+\(emulated\)/ }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await screenshot(page, env, '15-batch-result-open');
    const results = readdirSync(path.join(env.workspace, '.batchlens', 'results'));
    assert.equal(results.length, 1, 'one job folder under .batchlens/results/');
  });

  it("shows the preview's expected cost and the actual cost side by side in the job's tooltip", async () => {
    await openBatchlensView(page);
    const job = batchesRow(page, JOB_LABEL);
    const tooltip = page.locator('.monaco-hover, .workbench-hover', { hasText: 'Expected cost (preview)' }).first();
    for (let attempt = 0; attempt < 5 && !(await tooltip.isVisible()); attempt++) {
      await page.mouse.move(0, 0);
      await job.hover();
      await tooltip.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
    }
    const text = await tooltip.innerText();
    assert.match(text, /Expected cost \(preview\): ≈\$[\d.]+ at batch price/);
    assert.match(text, /Actual cost: \$[\d.]+ for 5 rows/);
    await screenshot(page, env, '16-job-tooltip-expected-and-actual');
  });
});
