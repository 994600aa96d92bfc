// E2E: what a person sees in a real VS Code (code-server in headless Chromium) with Batchlens
// installed from its .vsix and the sample workspace open. The steps build on each other, in order;
// each one saves a screenshot under test-results/e2e/.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { activeTab, goToLine, openFile, runFromPalette, screenshot, useWorkbench, type E2eEnvironment } from './support/workbench';

const PROMPT_FILE = 'prompts/ticket_classifier.py';

/** 1-based line of the first line containing `needle` in a workspace file. */
function lineContaining(env: E2eEnvironment, relativePath: string, needle: string): number {
  const lines = readFileSync(path.join(env.workspace, relativePath), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `"${needle}" not in ${relativePath}`);
  return index + 1;
}

describe('Batchlens in the VS Code workbench', function () {
  const session = useWorkbench();
  let env: E2eEnvironment;
  let page: Page;

  before(() => {
    ({ env, page } = session);
  });

  it('opens the sample workspace', async () => {
    const explorer = page.locator('.explorer-folders-view');
    await explorer.waitFor({ state: 'visible' });
    for (const folder of ['prompts', 'src', 'docs']) {
      await explorer.locator('.monaco-list-row', { hasText: folder }).first().waitFor({ state: 'visible' });
    }
    await screenshot(page, env, '01-workspace');
  });

  it('shows the cost lens above the prompt constant', async () => {
    await openFile(page, PROMPT_FILE);
    const lens = page.locator('.codelens-decoration', { hasText: /tokens · Sonnet 4\.6 \$[\d.]+\/call · batch \$[\d.]+/ }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    const text = (await lens.innerText()).trim();
    assert.match(text, /^≈[\d,]+ tokens · Sonnet 4\.6 \$[\d.]+\/call · batch \$[\d.]+ · cached/);
    // The lens sits on the line above SYSTEM_PROMPT: it is rendered before that line's text.
    const lensBox = await lens.boundingBox();
    const constantLine = page.locator('.view-lines .view-line', { hasText: 'SYSTEM_PROMPT = """' }).first();
    const lineBox = await constantLine.boundingBox();
    assert.ok(lensBox && lineBox && lensBox.y < lineBox.y, 'the lens is rendered above the constant');
    await screenshot(page, env, '02-codelens');
  });

  it('underlines the per-request value in the cached block and lists it in Problems', async () => {
    const line = lineContaining(env, PROMPT_FILE, '"text": f"{SYSTEM_PROMPT}');
    await goToLine(page, line);
    await page.locator('.view-overlays .squiggly-warning').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'BL001' }).first();
    await problem.waitFor({ state: 'visible' });
    assert.match(await problem.innerText(), /Batchlens/);
    await screenshot(page, env, '03-squiggle-and-problems');
  });

  it('applies the quick fix from the light bulb and the problem goes away', async () => {
    const line = lineContaining(env, PROMPT_FILE, '"text": f"{SYSTEM_PROMPT}');
    await activeTab(page, 'ticket_classifier.py').click();
    await goToLine(page, line);
    // F8 puts the cursor on the next problem; Escape closes its peek, the cursor stays.
    await page.keyboard.press('F8');
    await page.locator('.marker-widget').first().waitFor({ state: 'visible' });
    await screenshot(page, env, '04-problem-peek');
    await page.keyboard.press('Escape');
    const lightBulb = page.locator('.lightBulbWidget .codicon, .lightbulb-glyph').first();
    const menu = page.locator('.action-widget .monaco-list-row.action').first();
    // Code actions are computed after the cursor settles; on a loaded machine the first request can
    // come too early ("No code actions available"), so ask again, as a person would.
    for (let attempt = 0; attempt < 5 && !(await menu.isVisible()); attempt++) {
      await lightBulb.waitFor({ state: 'visible', timeout: 3_000 }).catch(() => undefined);
      if (await lightBulb.isVisible()) await lightBulb.click();
      else await page.keyboard.press('Control+.');
      await menu.waitFor({ state: 'visible', timeout: 4_000 }).catch(() => undefined);
    }
    await menu.waitFor({ state: 'visible' });
    await screenshot(page, env, '05-quick-fix-menu');
    await menu.click();
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'BL001' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    await screenshot(page, env, '06-after-quick-fix');
  });

  it('opens the Batchlens view from the activity bar with its welcome content', async () => {
    await page.locator('.activitybar .action-item a[aria-label^="Batchlens"]').first().click();
    const welcome = page.locator('.welcome-view-content', { hasText: 'No batch jobs yet.' });
    await welcome.waitFor({ state: 'visible' });
    // Without a key the next step is the one button; the rest are links in the text.
    await page.locator('.welcome-view-content .monaco-button', { hasText: 'Set API Key' }).first().waitFor({ state: 'visible' });
    assert.equal(await page.locator('.welcome-view-content .monaco-button').count(), 1, 'one button: the next step');
    await page.locator('.welcome-view-content a', { hasText: 'Open the Get Started walkthrough' }).first().waitFor({ state: 'visible' });
    await screenshot(page, env, '07-batchlens-view');
  });

  it('runs "Batchlens: Show Model Prices" from the command palette', async () => {
    await runFromPalette(page, 'Batchlens: Show Model Prices');
    const priceTab = page.locator('.tabs-container .tab', { hasText: /price/i }).first();
    const priceRow = page.locator('.quick-input-widget .monaco-list-row', { hasText: /Haiku 4\.5/ }).first();
    // A tab (document or webview) titled with "prices", or a quick pick listing the models.
    await Promise.any([priceTab.waitFor({ state: 'visible', timeout: 20_000 }), priceRow.waitFor({ state: 'visible', timeout: 20_000 })]);
    if (await priceTab.isVisible()) {
      // A preview or webview: its content lives in nested iframes; wait until the table is painted.
      const content = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').getByText(/Haiku 4\.5/).first();
      await content.waitFor({ state: 'visible', timeout: 30_000 });
    }
    await screenshot(page, env, '08-model-prices');
  });
});
