import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { recordingIo } from '../support/recordingIo';

const ROW_REQUEST = {
  model: 'claude-sonnet-4-20250514',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Hello, world' }],
};

describe('batchlens tokens', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'batchlens-tokens-'));
    writeFileSync(path.join(dir, 'request.json'), JSON.stringify(ROW_REQUEST));
    writeFileSync(path.join(dir, 'a.txt'), 'Hello, world');
    writeFileSync(path.join(dir, 'b.md'), 'The quick brown fox jumps over the lazy dog. '.repeat(20));
    writeFileSync(path.join(dir, 'broken.json'), '{"messages": [');
  });

  it('prints a request estimate as JSON, labelled not exact', async () => {
    const io = recordingIo(dir);
    const code = await runCli(['tokens', '--model', 'claude-sonnet-4-6', '--request', 'request.json', '--json'], io);
    assert.equal(code, 0, io.err);
    const json = JSON.parse(io.out);
    assert.equal(json.model, 'claude-sonnet-4-6');
    assert.equal(json.inputTokens, 10);
    assert.equal(json.exact, false);
    assert.equal(json.parts.framing, 7);
  });

  it('applies the newer tokenizer for the models that use it', async () => {
    const legacy = recordingIo(dir);
    await runCli(['tokens', '--model', 'claude-sonnet-4-6', 'b.md', '--json'], legacy);
    const newer = recordingIo(dir);
    await runCli(['tokens', '--model', 'claude-opus-4-7', 'b.md', '--json'], newer);
    assert.ok(JSON.parse(newer.out).inputTokens > JSON.parse(legacy.out).inputTokens);
    assert.equal(JSON.parse(newer.out).tokenizer, 'new');
  });

  it('estimates text files one by one and sums them', async () => {
    const io = recordingIo(dir);
    assert.equal(await runCli(['tokens', '--model', 'claude-haiku-4-5', 'a.txt', 'b.md', '--json'], io), 0, io.err);
    const json = JSON.parse(io.out);
    assert.equal(json.files.length, 2);
    assert.equal(json.files[0].inputTokens, 3);
    assert.equal(json.inputTokens, json.files[0].inputTokens + json.files[1].inputTokens);

    const text = recordingIo(dir);
    await runCli(['tokens', '--model', 'claude-haiku-4-5', 'a.txt', 'b.md'], text);
    assert.match(text.out, /estimate/);
    assert.match(text.out, /total\s+[\d,]+/);
  });

  const usageErrors: Array<[string, string[], RegExp]> = [
    ['an unknown model', ['--model', 'gpt-4o', 'a.txt'], /unknown model/],
    ['a missing model', ['a.txt'], /--model is required/],
    ['an unreadable file', ['--model', 'claude-sonnet-4-6', 'missing.txt'], /cannot read missing\.txt/],
    ['invalid JSON', ['--model', 'claude-sonnet-4-6', '--request', 'broken.json'], /not valid JSON/],
    ['both a request and files', ['--model', 'claude-sonnet-4-6', '--request', 'request.json', 'a.txt'], /either/],
    ['nothing to count', ['--model', 'claude-sonnet-4-6'], /give --request/],
    ['--exact without a key', ['--model', 'claude-sonnet-4-6', '--exact', 'a.txt'], /ANTHROPIC_API_KEY/],
  ];
  for (const [name, args, message] of usageErrors) {
    it(`exits 2 with one line on ${name}`, async () => {
      const io = recordingIo(dir, {});
      assert.equal(await runCli(['tokens', ...args], io), 2);
      assert.match(io.err, message);
      assert.equal(io.err.trim().split('\n').length, 1);
      assert.equal(io.out, '');
    });
  }

  describe('--exact', () => {
    let server: Server;
    let baseUrl: string;
    const bodies: Array<Record<string, unknown>> = [];

    before(async () => {
      server = createServer((request, response) => {
        let data = '';
        request.on('data', (chunk) => (data += chunk));
        request.on('end', () => {
          bodies.push(JSON.parse(data));
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify({ input_tokens: request.url?.startsWith('/v1/messages/count_tokens') ? 42 : -1 }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('counts a request with count_tokens at ANTHROPIC_BASE_URL, sending only the fields it accepts', async () => {
      const io = recordingIo(dir, { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: baseUrl });
      assert.equal(await runCli(['tokens', '--model', 'claude-sonnet-4-6', '--request', 'request.json', '--exact', '--json'], io), 0, io.err);
      const json = JSON.parse(io.out);
      assert.deepEqual([json.inputTokens, json.exact], [42, true]);
      const sent = bodies.at(-1)!;
      assert.equal(sent.model, 'claude-sonnet-4-6');
      assert.equal(sent.max_tokens, undefined);
      assert.deepEqual(sent.messages, ROW_REQUEST.messages);
    });

    it('counts text files exactly, without the one-turn framing', async () => {
      const io = recordingIo(dir, { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: baseUrl });
      assert.equal(await runCli(['tokens', '--model', 'claude-sonnet-4-6', 'a.txt', '--exact', '--json'], io), 0, io.err);
      assert.equal(JSON.parse(io.out).inputTokens, 42 - 7);
      assert.ok(!io.out.includes('sk-ant-test'));
    });
  });
});
