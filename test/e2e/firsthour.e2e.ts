// E2E: a newcomer's first hour, in the real workbench against the emulator (scripts/run-e2e.mjs):
// the Get Started walkthrough, one token count for the demo's cached prompt in the lens, the hover
// and the Problems panel, Enter on the secret-file dialog skipping the file, and the batch preview
// staying open until it is closed, which cancels. Screenshots: test-results/e2e/fh-*.png.
// Run alone with: node scripts/run-e2e.mjs --grep "first hour"
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { goToLine, openFile, runFromPalette, setApiKeyFromPalette, screenshot, useWorkbench, type E2eEnvironment } from './support/workbench';

/** Not a real key: the emulator accepts any key that starts with sk-ant-. */
const PROMPT_FILE = 'prompts/ticket_classifier.py';
/** The folder with a .env among ordinary text files. */
const MIXED = 'mixed';
/** How long the preview must stay open untouched. */
const PREVIEW_STAYS_MS = 30_000;

function lineOf(env: E2eEnvironment, needle: string): number {
  const lines = readFileSync(path.join(env.workspace, PROMPT_FILE), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `"${needle}" not in ${PROMPT_FILE}`);
  return index + 1;
}

function jobFiles(env: E2eEnvironment): string[] {
  const dir = path.join(env.workspace, '.batchlens', 'jobs');
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
}

/** The first whole number followed by " tokens" in a text ("≈877 tokens", "about 877 tokens"). */
function tokensIn(text: string): number {
  const match = /([\d,]+)\s+tokens/.exec(text);
  assert.ok(match, `no token count in: ${text}`);
  return Number(match[1].replace(/,/g, ''));
}

function explorerRow(page: Page, name: string, level: number): Locator {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-level="${level}"]`, { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }).first();
}

/** The content of the active webview panel (two nested iframes deep). */
function webviewContent(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}

describe('A first hour with Batchlens', function () {
  const session = useWorkbench();
  let env: E2eEnvironment;
  let page: Page;

  before(() => {
    ({ env, page } = session);
  });

  it('opens the Get Started walkthrough from the Welcome page', async () => {
    await runFromPalette(page, 'Help: Welcome');
    const gettingStarted = page.locator('.gettingStartedContainer');
    await gettingStarted.waitFor({ state: 'visible', timeout: 30_000 });
    // The Welcome page lists contributed walkthroughs under "Walkthroughs".
    const entry = gettingStarted.getByText('Get Started with Batchlens', { exact: true }).filter({ visible: true }).first();
    await entry.waitFor({ state: 'visible', timeout: 20_000 });
    await screenshot(page, env, 'fh-00-welcome-page');
    await entry.click();
    const steps = ['Set your API key', 'Open a prompt file', 'Fix a caching lint', 'Batch files at half price', 'Watch the job in the tracker', 'Open results and see the savings'];
    for (const title of steps) await gettingStarted.getByText(title, { exact: true }).filter({ visible: true }).first().waitFor({ state: 'visible', timeout: 20_000 });
    // The first step is open, with its button.
    await gettingStarted.locator('.monaco-button, a', { hasText: 'Set API Key' }).filter({ visible: true }).first().waitFor({ state: 'visible' });
    await page.waitForTimeout(1_000);
    await screenshot(page, env, 'fh-01-walkthrough');
  });

  it('stores the API key (the emulator counts tokens from now on)', async () => {
    // Leave the walkthrough first: the palette then opens over an ordinary editor area.
    await runFromPalette(page, 'View: Close All Editors');
    await setApiKeyFromPalette(page);
    await page.locator('.notification-toast', { hasText: 'API key saved' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await runFromPalette(page, 'Notifications: Clear All Notifications');
  });

  it('shows one token count for the cached system prompt in the lens, the hover and Problems', async () => {
    await openFile(page, PROMPT_FILE);
    const textLine = lineOf(env, '"text": f"{SYSTEM_PROMPT}');
    await goToLine(page, textLine);
    // The lens right above the system block's text line; its count turns exact once count_tokens answered.
    const textLineView = page.locator('.view-lines .view-line', { hasText: '"text": f"{SYSTEM_PROMPT}' }).first();
    const lensItems = page.locator('.codelens-decoration a', { hasText: / tokens · / });
    let lensText = '';
    for (let attempt = 0; attempt < 60; attempt++) {
      // Measured each time: the lens's own row moves the line down when it appears.
      const lineBox = await textLineView.boundingBox().catch(() => null);
      for (const item of lineBox ? await lensItems.all() : []) {
        const box = await item.boundingBox();
        if (lineBox && box && box.y < lineBox.y && lineBox.y - box.y < 40) lensText = (await item.innerText()).trim();
      }
      if (lensText && !lensText.startsWith('≈')) break;
      await page.waitForTimeout(500);
    }
    assert.match(lensText, /^[\d,]+ tokens · Sonnet 4\.6/, `the lens shows an exact count: ${lensText}`);
    const lensTokens = tokensIn(lensText);

    // Problems: the BL003 entry on this block.
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'BL003' }).first();
    await problem.waitFor({ state: 'visible', timeout: 30_000 });
    let problemText = await problem.innerText();
    for (let attempt = 0; attempt < 20 && tokensIn(problemText) !== lensTokens; attempt++) {
      await page.waitForTimeout(500);
      problemText = await problem.innerText();
    }

    await screenshot(page, env, 'fh-02-lens-and-problems');
    // The hover on the breakpoint's squiggle says the same.
    const breakpointLine = lineOf(env, '"cache_control": {"type": "ephemeral"}');
    await goToLine(page, breakpointLine);
    await page.locator('.view-overlays .squiggly-info').first().waitFor({ state: 'visible', timeout: 30_000 });
    const hover = page.locator('.monaco-hover', { hasText: 'cached prefix' }).first();
    for (const squiggle of await page.locator('.view-overlays .squiggly-info').all()) {
      // The text above the squiggle takes the pointer, as it does for a person: hover where it is drawn.
      await squiggle.hover({ force: true });
      if (await hover.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false)) break;
    }
    await hover.waitFor({ state: 'visible' });
    const hoverText = await hover.innerText();
    await screenshot(page, env, 'fh-03-hover');
    assert.equal(tokensIn(problemText), lensTokens, `Problems says ${problemText}`);
    assert.equal(tokensIn(hoverText), lensTokens, `the hover says ${hoverText}`);
    await page.keyboard.press('Escape');
  });

  it('skips the .env when Enter is pressed on the secret-file dialog', async () => {
    await runFromPalette(page, 'View: Close All Editors');
    await page.keyboard.press('Control+Shift+E');
    const inputs = explorerRow(page, 'batch-inputs', 1);
    await inputs.waitFor({ state: 'visible' });
    if ((await inputs.getAttribute('aria-expanded')) !== 'true') await inputs.click();
    const mixed = explorerRow(page, MIXED, 2);
    await mixed.waitFor({ state: 'visible' });
    await mixed.click({ button: 'right' });
    const item = page.locator('.context-view .action-item', { hasText: 'Batch Selected Files' }).first();
    await item.waitFor({ state: 'visible' });
    const picker = page.locator('.quick-input-widget', { hasText: 'prompt template' });
    // A click during the menu's fade-in can be lost; a person clicks again.
    for (let attempt = 0; attempt < 3 && !(await picker.isVisible()); attempt++) {
      if (await item.isVisible()) await item.click();
      await picker.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
    }
    await picker.locator('.monaco-list-row', { hasText: /^summarize/ }).first().waitFor({ state: 'visible' });
    await page.keyboard.type('summarize');
    await page.keyboard.press('Enter');

    const dialog = page.locator('.monaco-dialog-box', { hasText: 'looks like it holds credentials' });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    await dialog.getByText('Send Anyway', { exact: true }).waitFor({ state: 'visible' });
    // Skip is the primary button and has the focus, so Enter skips; sending is the explicit other button.
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
    assert.equal(focused, 'Skip This File', 'Skip has the focus');
    await screenshot(page, env, 'fh-04-secret-dialog');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
  });

  it('shows the preview with the .env skipped, keeps it open 30 s, and cancels when it is closed', async () => {
    const tab = page.locator('.tabs-container .tab', { hasText: /Batch preview: summarize/ }).first();
    await tab.waitFor({ state: 'visible', timeout: 30_000 });
    const content = webviewContent(page);
    await content.getByText('Expected cost').first().waitFor({ state: 'visible', timeout: 30_000 });
    const skipped = content.locator('#skipped + table');
    await skipped.waitFor({ state: 'visible' });
    assert.match(await skipped.innerText(), /\.env\s+secret/, 'the .env is listed as skipped for being a secret');
    assert.doesNotMatch(await content.locator('#files + table').innerText(), /\.env/, 'and is not among the files to send');
    const body = await content.locator('body').innerText();
    assert.match(body, /Ceiling\s+≈\$[\d.]+ if every row used all/);
    assert.match(body, /Same job as sync calls\s+≈\$[\d.]+ · saving ≈\$[\d.]+/);
    await screenshot(page, env, 'fh-05-preview');
    const jobsBefore = jobFiles(env).length;

    await page.waitForTimeout(PREVIEW_STAYS_MS);
    assert.ok(await tab.isVisible(), 'the preview is still open 30 s later');
    await content.getByText('Expected cost').first().waitFor({ state: 'visible' });
    await screenshot(page, env, 'fh-06-preview-after-30s');

    await tab.hover();
    await tab.locator('.tab-actions .action-label').first().click();
    await tab.waitFor({ state: 'detached' });
    const toast = page.locator('.notification-toast', { hasText: 'preview closed, batch cancelled; nothing was sent' }).first();
    await toast.waitFor({ state: 'visible', timeout: 20_000 });
    await page.waitForTimeout(1_000);
    await screenshot(page, env, 'fh-07-preview-closed-cancels');
    assert.equal(jobFiles(env).length, jobsBefore, 'closing the preview sent nothing');
  });
});
