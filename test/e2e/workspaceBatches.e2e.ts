// E2E: batches created outside Batchlens (straight through the SDK, as a script or notebook would)
// appear in the Workspace Batches view, and one is adopted from its context menu. Runs after
// batch.e2e.ts (screenshots 16 and on), against the emulator that scripts/run-e2e.mjs starts.
import * as assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { Locator, Page } from 'playwright-core';
import { EMULATOR_KEY, runFromPalette, setApiKeyFromPalette, screenshot, useWorkbench, type E2eEnvironment } from './support/workbench';


function emulatorUrl(): string {
  const url = process.env.BATCHLENS_E2E_EMULATOR_URL;
  if (!url) throw new Error('run the E2E suite with `npm run test:e2e` (it sets BATCHLENS_E2E_EMULATOR_URL)');
  return url;
}

/** A batch made without Batchlens: the official SDK, the emulator's URL and a key. */
async function createWithSdk(prefix: string, rows: number): Promise<string> {
  const client = new Anthropic({ apiKey: EMULATOR_KEY, baseURL: emulatorUrl(), maxRetries: 0 });
  const batch = await client.messages.batches.create({
    requests: Array.from({ length: rows }, (_, index) => ({
      custom_id: `${prefix}-${index + 1}`,
      params: { model: 'claude-sonnet-4-6', max_tokens: 150, messages: [{ role: 'user', content: `Classify support ticket ${index + 1} as billing, bug or question.` }] },
    })),
  });
  return batch.id;
}

async function endNow(batchId: string): Promise<void> {
  const response = await fetch(`${emulatorUrl()}/_admin/batches/${batchId}/end`, { method: 'POST' });
  assert.ok(response.ok, `the emulator could not end ${batchId}`);
}

function workspacePane(page: Page): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Workspace Batches' }) }).first();
}

describe('Workspace batches: listing and adopting batches made elsewhere', function () {
  const session = useWorkbench();
  let env: E2eEnvironment;
  let page: Page;
  let endedBatch: string;
  let runningBatch: string;

  before(async () => {
    ({ env, page } = session);
    endedBatch = await createWithSdk('ticket-triage', 3);
    await endNow(endedBatch);
    // Large enough to still be running at the emulator's E2E speed while the view is looked at (~45 s).
    runningBatch = await createWithSdk('nightly-eval', 500);
  });

  it('lists the SDK-created batches in the Workspace Batches view, with the workspace in the status bar', async () => {
    await setApiKeyFromPalette(page);
    await runFromPalette(page, 'Notifications: Clear All Notifications');

    const title = page.locator('.sidebar .title-label', { hasText: /Batchlens/i }).first();
    if (!(await title.isVisible())) await page.locator('.activitybar .action-item a[aria-label^="Batchlens"]').first().click();
    const header = workspacePane(page).locator('.pane-header');
    await header.waitFor({ state: 'visible', timeout: 20_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await runFromPalette(page, 'Batchlens: Refresh Workspace Batches');
    const ended = workspacePane(page).locator('.monaco-list-row', { hasText: endedBatch });
    const running = workspacePane(page).locator('.monaco-list-row', { hasText: runningBatch });
    await ended.waitFor({ state: 'visible', timeout: 30_000 });
    await running.waitFor({ state: 'visible' });
    assert.match(await ended.innerText(), /ended · 3 succeeded/);
    assert.match(await running.innerText(), /running · 500 processing/);
    await page.locator('.statusbar-item', { hasText: 'default workspace' }).first().waitFor({ state: 'visible' });
    await page.waitForTimeout(500);
    await screenshot(page, env, '16-workspace-batches');
  });

  it('adopts the ended batch from its context menu: results written, cost and savings reported, listed under its job', async () => {
    const ended = workspacePane(page).locator('.monaco-list-row', { hasText: endedBatch });
    await ended.click({ button: 'right' });
    const item = page.locator('.context-view .action-item', { hasText: 'Adopt Batch' }).first();
    await item.waitFor({ state: 'visible' });
    await page.waitForTimeout(300);
    await item.locator('.action-menu-item').first().click();
    // A click that lands while the menu is still fading in is lost: choose the focused item by keyboard then.
    await item.waitFor({ state: 'detached', timeout: 3_000 }).catch(() => page.keyboard.press('Enter'));
    const toast = page.locator('.notification-toast', { hasText: `adopted ${endedBatch}` }).first();
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await toast.innerText();
    assert.match(text, /3 result files written/);
    assert.match(text, /Actual cost \$[\d.]+, saved \$[\d.]+/);
    // Shown once: the job in the Batches view, no longer among the workspace's other batches.
    await page.locator('.pane-body .monaco-list-row', { hasText: 'adopted batch · 3 files' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await ended.waitFor({ state: 'detached', timeout: 20_000 });
    await page.waitForTimeout(500);
    await screenshot(page, env, '17-workspace-batch-adopted');
  });
});
