// The integration runner's hands and eyes in the workbench. A suite running in the extension host
// cannot press a button in a modal dialog or read a notification: the API has no way to. It writes
// a request file into the bridge folder; the runner, which holds the Playwright page the workbench
// runs in, finds the element, reads its text, clicks the named button if asked, and writes the
// answer next to it. The suite side is `test/integration/suite/uiBridge.ts`.
//
// Request  <dir>/<id>.request.json  { id, target: 'dialog'|'notification'|'quickpick', contains?, button?, timeoutMs? }
// Response <dir>/<id>.response.json { id, ok: true, text } or { id, ok: false, error }
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where each kind of workbench element lives in the DOM of VS Code 1.139's web workbench. */
const TARGETS = {
  dialog: { element: '.monaco-dialog-box', button: '.dialog-buttons .monaco-button' },
  notification: { element: '.notifications-toasts .notification-toast', button: '.notification-list-item-buttons-container .monaco-button' },
  quickpick: { element: '.quick-input-widget', button: '.monaco-list-row' },
};

/** Creates the bridge for `page`, serving requests written to `dir`: `start()` looks for them every 200 ms until `stop()`. */
export function createUiBridge(page, dir) {
  mkdirSync(dir, { recursive: true });
  const answered = new Set();
  let timer;
  let stopped = false;

  async function answer(request) {
    const target = TARGETS[request.target];
    if (!target) throw new Error(`unknown target "${request.target}" (dialog, notification or quickpick)`);
    const timeout = request.timeoutMs ?? 20_000;
    let element = page.locator(target.element);
    if (request.contains) element = element.filter({ hasText: request.contains });
    element = element.first();
    await element.waitFor({ state: 'visible', timeout });
    const text = (await element.innerText()).trim();
    if (request.button) {
      await element.locator(target.button, { hasText: request.button }).first().click({ timeout });
    }
    return text;
  }

  /** Answers every new request in the folder, one at a time; never throws. */
  async function serve() {
    for (const name of readdirSync(dir).filter((file) => file.endsWith('.request.json')).sort()) {
      if (answered.has(name)) continue;
      answered.add(name);
      const request = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
      let response;
      try {
        response = { id: request.id, ok: true, text: await answer(request) };
      } catch (error) {
        response = { id: request.id, ok: false, error: String(error?.message ?? error).split('\n')[0] };
      }
      const file = path.join(dir, `${request.id}.response.json`);
      writeFileSync(`${file}.partial`, JSON.stringify(response));
      renameSync(`${file}.partial`, file);
    }
  }

  async function loop() {
    await serve().catch((error) => console.error(`ui bridge: ${error.message ?? error}`));
    if (!stopped) timer = setTimeout(loop, 200);
  }

  return {
    dir,
    start() {
      stopped = false;
      timer = setTimeout(loop, 200);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
