// A person's view of the workbench: Playwright (playwright-core, Debian Chromium) against a
// code-server started by scripts/run-e2e.mjs, which passes its URL and paths in the environment.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export interface E2eEnvironment {
  url: string;
  /** The per-run copy of test/fixtures/workspace that code-server opened. */
  workspace: string;
  screenshots: string;
  chromiumPath: string;
  chromiumArgs: string[];
}

export function e2eEnvironment(): E2eEnvironment {
  const url = process.env.BATCHLENS_E2E_URL;
  const workspace = process.env.BATCHLENS_E2E_WORKSPACE;
  if (!url || !workspace) throw new Error('run the E2E suite with `npm run test:e2e` (scripts/run-e2e.mjs starts code-server and sets BATCHLENS_E2E_URL)');
  const screenshots = process.env.BATCHLENS_E2E_SCREENSHOTS ?? path.resolve('test-results', 'e2e');
  mkdirSync(screenshots, { recursive: true });
  return {
    url,
    workspace,
    screenshots,
    chromiumPath: process.env.BATCHLENS_E2E_CHROMIUM ?? '/usr/bin/chromium',
    chromiumArgs: JSON.parse(process.env.BATCHLENS_E2E_CHROMIUM_ARGS ?? '[]') as string[],
  };
}

export async function launchWorkbench(env: E2eEnvironment): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: env.chromiumPath, headless: true, args: env.chromiumArgs });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(env.url, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
  return { browser, page };
}

export async function screenshot(page: Page, env: E2eEnvironment, name: string): Promise<string> {
  const file = path.join(env.screenshots, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Runs a command from the palette by its full title, as a person types it. Right after the
 * workbench appears, extension contributions may still be loading; then the palette is reopened.
 */
export async function runFromPalette(page: Page, title: string, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (error) {
      await page.keyboard.press('Escape');
      if (attempt >= attempts) throw error;
    }
  }
}

/** The key the E2E workbench stores; the emulator accepts any well-formed key. */
export const EMULATOR_KEY = 'sk-ant-api03-e2e-emulator-key-0000000000000000';

/** Runs "Batchlens: Set API Key" from the palette and types the emulator's key into its password box. */
export async function setApiKeyFromPalette(page: Page): Promise<void> {
  await runFromPalette(page, 'Batchlens: Set API Key');
  const input = page.locator('.quick-input-widget input[type="password"]');
  await input.waitFor({ state: 'visible' });
  await input.fill(EMULATOR_KEY);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor tab. */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(relativePath);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: path.basename(relativePath) }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await activeTab(page, path.basename(relativePath)).waitFor({ state: 'visible' });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
}

export function activeTab(page: Page, label: string): Locator {
  return page.locator('.tabs-container .tab.active', { hasText: label });
}

/** Moves the cursor to a 1-based line with Go to Line (Ctrl+G). */
export async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** One workbench for a whole suite; `env` and `page` are set once its `before` hook has run. */
export interface WorkbenchSession {
  env: E2eEnvironment;
  page: Page;
}

/**
 * Registers the suite's hooks: opens the workbench before the first step, screenshots a failing
 * step (`failed-<title>.png`), and closes the browser after the last one.
 */
export function useWorkbench(): WorkbenchSession {
  const session = {} as WorkbenchSession;
  let browser: Browser | undefined;
  before(async () => {
    session.env = e2eEnvironment();
    ({ browser, page: session.page } = await launchWorkbench(session.env));
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session.page) {
      await screenshot(session.page, session.env, `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`);
    }
  });
  return session;
}
