// Headless Debian Chromium driven by playwright-core. Opening the workbench in a browser is what
// makes code-server start the extension host.
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_BIN } from './tools.mjs';

/** Launches Chromium and opens `url`; resolves when the workbench has rendered. */
export async function openWorkbench(url, { viewport = { width: 1440, height: 900 }, timeoutMs = 90_000 } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM_BIN, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    return { browser, page };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
