#!/usr/bin/env node
// Renders media/icon.svg to media/icon.png (256x256, transparent corners), the Marketplace icon,
// with the headless Chromium of the real-VS-Code toolchain. Run after editing the SVG:
//   node scripts/render-icon.mjs
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_BIN, REPO_ROOT } from './lib/tools.mjs';

const SIZE = 256;
const svg = readFileSync(path.join(REPO_ROOT, 'media', 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: CHROMIUM_BIN, headless: true, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE } });
  await page.setContent(`<!DOCTYPE html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
  const out = path.join(REPO_ROOT, 'media', 'icon.png');
  await page.locator('svg').screenshot({ path: out, omitBackground: true });
  console.log(`render-icon: wrote ${path.relative(REPO_ROOT, out)} (${SIZE}x${SIZE})`);
} finally {
  await browser.close();
}
