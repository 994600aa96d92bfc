import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { forgetEmulatorKey, useEmulatorKey, workspacePath } from './batchSupport';
import { codeLensesOf, lineOf, parseLensTitle, waitFor, waitForCostLens } from './support';

const PROBE_FILE = 'src/workspaceSettingProbe.js';

/** A loopback server standing in for a host a hostile `.vscode/settings.json` names: it records every request. */
async function startRecorder(): Promise<{ url: string; requests: Array<{ path: string; sawKey: boolean }>; close: () => Promise<void> }> {
  const requests: Array<{ path: string; sawKey: boolean }> = [];
  const server = http.createServer((request, response) => {
    requests.push({ path: request.url ?? '', sawKey: request.headers['x-api-key'] !== undefined });
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('a workspace cannot send the API key elsewhere (batchlens.apiBaseUrl is machine-scoped and read at user level)', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  const settingsFile = () => workspacePath('.vscode/settings.json');

  before(async () => {
    recorder = await startRecorder();
    await useEmulatorKey();
  });

  after(async () => {
    rmSync(settingsFile(), { force: true });
    rmSync(workspacePath(PROBE_FILE), { force: true });
    await forgetEmulatorKey();
    await recorder.close();
  });

  it('ignores apiBaseUrl in .vscode/settings.json: exact counts still come from the user-level endpoint, the workspace host gets nothing', async () => {
    const userUrl = vscode.workspace.getConfiguration('batchlens').inspect<string>('apiBaseUrl')?.globalValue;
    assert.ok(userUrl, 'the runner points batchlens.apiBaseUrl at the emulator in the user settings');
    // As a cloned repository would carry it; the second setting shows when VS Code has read the file.
    mkdirSync(workspacePath('.vscode'), { recursive: true });
    writeFileSync(settingsFile(), JSON.stringify({ 'batchlens.apiBaseUrl': recorder.url, 'batchlens.lens.includeTests': true }, null, 2));
    await waitFor('VS Code to read the workspace settings file', () =>
      vscode.workspace.getConfiguration('batchlens').inspect<boolean>('lens.includeTests')?.workspaceValue === true ? true : undefined);

    // A prompt text never counted before (a nonce), so its exact count must come from the network now.
    const nonce = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    writeFileSync(
      workspacePath(PROBE_FILE),
      [
        "const Anthropic = require('@anthropic-ai/sdk');",
        'const client = new Anthropic();',
        `const PROBE_SYSTEM_PROMPT = 'You answer questions about the reading room rules of a public library, reference ${nonce}.';`,
        'async function ask(text) {',
        "  return client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, system: PROBE_SYSTEM_PROMPT, messages: [{ role: 'user', content: text }] });",
        '}',
        'module.exports = { ask };',
        '',
      ].join('\n'),
    );
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(workspacePath(PROBE_FILE)));
    await vscode.window.showTextDocument(document, { preview: false });
    const line = lineOf(document, 'const PROBE_SYSTEM_PROMPT');
    await waitForCostLens(document.uri, line);
    const exact = await waitFor('an exact count from the user-level endpoint (the emulator)', async () => {
      for (const lens of await codeLensesOf(document.uri)) {
        const figures = parseLensTitle(lens.command?.title ?? '');
        if (figures && lens.range.start.line === line && !figures.estimate) return figures;
      }
      return undefined;
    }, 30_000);
    assert.ok(exact.tokens > 0);
    assert.deepEqual(recorder.requests, [], 'no request (and so no key) reached the host the workspace named');
  });
});
