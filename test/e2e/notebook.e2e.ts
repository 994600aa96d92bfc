// E2E: a Jupyter notebook in the real workbench. The prompt constant of one cell gets its cost lens
// and the cached block of a later cell its BL001 squiggle, the notebook analysed as one program.
// Saves test-results/e2e/20-notebook-lens-and-diagnostic.png.
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { activeTab, screenshot, useWorkbench, type E2eEnvironment } from './support/workbench';

/** Opens a notebook with Quick Open (Ctrl+P); unlike a text file it has no single editor to wait for. */
async function openNotebook(page: Page, relativePath: string, label: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(relativePath);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await activeTab(page, label).waitFor({ state: 'visible' });
}

describe('Batchlens in a notebook', function () {
  const session = useWorkbench();
  let env: E2eEnvironment;
  let page: Page;

  before(() => {
    ({ env, page } = session);
  });

  it('shows a cost lens in one cell and a BL001 squiggle in a later cell', async () => {
    await openNotebook(page, 'notebooks/policy_cache.ipynb', 'policy_cache.ipynb');
    // Notebook cells are editors of their own inside the notebook editor: look in the whole page.
    const lens = page.locator('.codelens-decoration', { hasText: /tokens · Sonnet 4\.6 \$[\d.]+\/call · batch \$[\d.]+/ }).first();
    await lens.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match((await lens.innerText()).trim(), /^≈[\d,]+ tokens · Sonnet 4\.6 /);
    const squiggle = page.locator('.notebook-editor .squiggly-warning').first();
    await squiggle.scrollIntoViewIfNeeded().catch(() => undefined);
    await squiggle.waitFor({ state: 'attached', timeout: 60_000 });
    await screenshot(page, env, '20-notebook-lens-and-diagnostic');
  });
});
