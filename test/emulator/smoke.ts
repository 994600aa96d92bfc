/**
 * The issue's acceptance check, using only `@anthropic-ai/sdk` against a running emulator:
 *   npm run emulator -- --port 4010 &   npm run emulator:smoke -- --base-url http://127.0.0.1:4010
 * Exits non-zero on the first failed expectation.
 */
import Anthropic from '@anthropic-ai/sdk';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string', default: 'http://127.0.0.1:4010' },
    'api-key': { type: 'string', default: 'sk-ant-emulator-smoke' },
    'timeout-seconds': { type: 'string', default: '60' },
  },
});
const client = new Anthropic({ baseURL: values['base-url'], apiKey: values['api-key'] });
const model = 'claude-sonnet-4-6';

function check(condition: boolean, what: string): void {
  if (!condition) {
    throw new Error(`FAILED: ${what}`);
  }
  console.log(`ok - ${what}`);
}

async function waitForEnd(id: string): Promise<Anthropic.Messages.MessageBatch> {
  const deadline = Date.now() + Number(values['timeout-seconds']) * 1000;
  for (;;) {
    const batch = await client.messages.batches.retrieve(id);
    if (batch.processing_status === 'ended') {
      return batch;
    }
    if (Date.now() > deadline) {
      throw new Error(`FAILED: batch ${id} did not end within ${values['timeout-seconds']} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function breakpointBlocks(count: number): Anthropic.Messages.TextBlockParam[] {
  return Array.from({ length: count }, (_, i) => ({ type: 'text', text: `Part ${i + 1} of the shared context.`, cache_control: { type: 'ephemeral' } }));
}

async function main(): Promise<void> {
  console.log(`emulator: ${values['base-url']}`);
  const ids = ['smoke-1', 'smoke-2', 'smoke-3'];
  const created = await client.messages.batches.create({
    requests: ids.map((custom_id, i) => ({
      custom_id,
      params: { model, max_tokens: 256, messages: [{ role: 'user', content: `Summarize file number ${i + 1}: it explains how batches work.` }] },
    })),
  });
  console.log(`created ${created.id} (${created.processing_status}, expires_at ${created.expires_at})`);
  check(/^msgbatch_[0-9A-Za-z]{24}$/.test(created.id), 'the batch id looks like msgbatch_ + 24 characters');
  check(created.processing_status === 'in_progress', 'the new batch is in_progress');
  check(created.request_counts.processing === 3, 'request_counts.processing is 3 while it runs');

  const ended = await waitForEnd(created.id);
  console.log(`ended at ${ended.ended_at}; request_counts ${JSON.stringify(ended.request_counts)}; results_url ${ended.results_url}`);
  check(ended.request_counts.succeeded === 3, 'it ended with request_counts.succeeded 3');

  const seen: string[] = [];
  for await (const row of await client.messages.batches.results(created.id)) {
    seen.push(row.custom_id);
    if (row.result.type === 'succeeded') {
      const text = row.result.message.content[0]?.type === 'text' ? row.result.message.content[0].text : '';
      console.log(`  ${row.custom_id}: ${text.slice(0, 90)}`);
    }
  }
  check(seen.length === 3 && [...seen].sort().join() === ids.join(), `3 result lines whose custom_ids match (${seen.join(', ')})`);

  try {
    await client.messages.batches.create({
      requests: [{ custom_id: 'bad id!', params: { model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] } }],
    });
    check(false, 'custom_id "bad id!" is refused');
  } catch (error) {
    if (!(error instanceof Anthropic.APIError)) throw error;
    console.log(`  HTTP ${error.status}: ${JSON.stringify(error.error)}`);
    check(error.status === 400 && error.type === 'invalid_request_error', 'custom_id "bad id!" gets HTTP 400 invalid_request_error');
  }

  const five = await client.messages.batches.create({
    requests: [
      {
        custom_id: 'five-breakpoints',
        params: { model, max_tokens: 64, system: breakpointBlocks(5), messages: [{ role: 'user', content: 'Go.' }] },
      },
    ],
  });
  await waitForEnd(five.id);
  for await (const row of await client.messages.batches.results(five.id)) {
    const error = row.result.type === 'errored' ? row.result.error.error : undefined;
    console.log(`  ${row.custom_id}: ${row.result.type}${error ? ` ${error.type}: ${error.message}` : ''}`);
    check(row.result.type === 'errored', 'a request with 5 cache_control breakpoints comes back errored');
  }
  console.log('smoke: all checks passed');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
