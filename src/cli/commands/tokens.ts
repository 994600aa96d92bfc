import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createBatchApi } from '../../core/api/anthropicBatchApi';
import { withDeadlines } from '../../core/api/deadlineApi';
import type { BatchApi, CountTokensParams } from '../../core/api/batchApi';
import { explainApiError } from '../../core/api/errors';
import { UnknownModelError, resolveModel } from '../../core/pricing/catalog';
import type { TokenizerGeneration } from '../../core/pricing/modelEntry';
import { type RequestTokenEstimate, estimateRequestTokens, estimateTextTokens } from '../../core/tokens/estimate';
import { SINGLE_USER_TURN_FRAMING_TOKENS } from '../../core/tokens/exactCounter';
import { tokenizerForModel } from '../../core/tokens/tokenizerForModel';
import { type CliCommand, type CliIo, UsageError } from '../io';
import { loadCliSettings } from '../workspaceSettings';
import { cliTimeoutMs } from './batch/context';

const USAGE = [
  'Usage: batchlens tokens --model M (--request FILE.json | FILE...) [--exact] [--json]',
  '',
  'Estimates prompt tokens offline: of a Messages request body (system, messages, tools, with the',
  'framing and hidden prompts the API adds), or of text files (each file\'s own tokens, and their sum).',
  '',
  'Options:',
  '  --model M          model id or alias; picks the tokenizer (Claude 4.7+ and 5.x count ~1.3x more)',
  '  --request FILE     a JSON Messages request body, as sent to /v1/messages',
  '  --exact            count with the free count_tokens endpoint instead (needs ANTHROPIC_API_KEY;',
  '                     honours ANTHROPIC_BASE_URL)',
  '  --json             print {"model", "inputTokens", "exact", ...} as JSON',
].join('\n');

/** The fields count_tokens accepts; the rest of a request body (max_tokens, stream…) would be rejected. */
const COUNT_TOKENS_FIELDS = ['system', 'messages', 'tools', 'tool_choice', 'thinking', 'output_config', 'mcp_servers'] as const;

interface FileCount {
  file: string;
  inputTokens: number;
}

interface TokensResult {
  model: string;
  tokenizer: TokenizerGeneration;
  note?: string;
  inputTokens: number;
  exact: boolean;
  parts?: RequestTokenEstimate['parts'];
  files?: FileCount[];
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        request: { type: 'string' },
        exact: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('\n')[0]!);
  }
}

async function readText(io: CliIo, file: string): Promise<string> {
  try {
    return await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new UsageError(`cannot read ${file} (${reason})`);
  }
}

async function readRequestBody(io: CliIo, file: string): Promise<Record<string, unknown>> {
  const text = await readText(io, file);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UsageError(`${file} is not a Messages request body (expected a JSON object with "messages")`);
  }
  return body as Record<string, unknown>;
}

function apiFor(io: CliIo): BatchApi {
  const apiKey = io.env['ANTHROPIC_API_KEY']?.trim();
  if (!apiKey) {
    throw new UsageError('--exact needs an API key: set ANTHROPIC_API_KEY (count_tokens is free), or leave out --exact for an offline estimate');
  }
  // Like the batch commands: no call waits longer than `batchlens.apiTimeoutSeconds`.
  const timeoutMs = cliTimeoutMs(io);
  return withDeadlines(createBatchApi({ apiKey, env: io.env, timeoutMs }), { timeoutMs });
}

async function countExactly(api: BatchApi, params: CountTokensParams): Promise<number> {
  try {
    return await api.countTokens(params);
  } catch (error) {
    throw new Error(explainApiError(error), { cause: error });
  }
}

function countParams(body: Record<string, unknown>, model: string): CountTokensParams {
  const params: Record<string, unknown> = { model };
  for (const field of COUNT_TOKENS_FIELDS) if (body[field] !== undefined) params[field] = body[field];
  return params as unknown as CountTokensParams;
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

function printText(io: CliIo, result: TokensResult, requestFile: string | undefined): void {
  const kind = result.exact ? 'exact (count_tokens)' : 'estimate';
  const tokenizer = result.tokenizer === 'new' ? 'newer tokenizer' : 'older tokenizer';
  const lines = [`${result.model} (${tokenizer}), ${kind}`];
  if (result.note) lines.push(`note: ${result.note}`);
  if (requestFile !== undefined) {
    lines.push(`${requestFile}: ${formatCount(result.inputTokens)} prompt tokens`);
    if (result.parts) {
      const parts = Object.entries(result.parts).map(([name, tokens]) => `${name} ${formatCount(tokens)}`);
      lines.push(`  ${parts.join(', ')}`);
    }
  } else {
    const files = result.files ?? [];
    const width = Math.max(5, ...files.map((entry) => entry.file.length));
    for (const entry of files) lines.push(`  ${entry.file.padEnd(width)}  ${formatCount(entry.inputTokens).padStart(10)}`);
    lines.push(`  ${'total'.padEnd(width)}  ${formatCount(result.inputTokens).padStart(10)}  (the files' own tokens, without request framing)`);
  }
  io.stdout(`${lines.join('\n')}\n`);
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args);
  if (!values.model) throw new UsageError('--model is required');
  if (values.request !== undefined && positionals.length > 0) throw new UsageError('give either --request FILE.json or text files, not both');
  if (values.request === undefined && positionals.length === 0) throw new UsageError('give --request FILE.json or one or more text files');

  let resolved: ReturnType<typeof resolveModel>;
  let tokenizer: TokenizerGeneration;
  try {
    const overrides = loadCliSettings(io).modelOverrides;
    resolved = resolveModel(values.model, overrides);
    tokenizer = tokenizerForModel(values.model, overrides);
  } catch (error) {
    if (error instanceof UnknownModelError) throw new UsageError(error.message);
    throw error;
  }
  // An id the catalog does not know is kept as given: it still picks the documented tool prompt.
  const model = resolved.note ? values.model.trim() : resolved.entry.id;
  const exact = values.exact === true;
  const api = exact ? apiFor(io) : undefined;
  const result: TokensResult = { model, tokenizer, inputTokens: 0, exact };
  if (resolved.note) result.note = resolved.note;

  if (values.request !== undefined) {
    const body = await readRequestBody(io, values.request);
    if (api) {
      result.inputTokens = await countExactly(api, countParams(body, model));
    } else {
      const estimate = estimateRequestTokens(body, tokenizer, { model });
      result.inputTokens = estimate.inputTokens;
      result.parts = estimate.parts;
    }
  } else {
    result.files = [];
    for (const file of positionals) {
      const text = await readText(io, file);
      const inputTokens = api
        ? Math.max(0, (await countExactly(api, { model, messages: [{ role: 'user', content: text }] })) - SINGLE_USER_TURN_FRAMING_TOKENS)
        : estimateTextTokens(text, tokenizer);
      result.files.push({ file, inputTokens });
      result.inputTokens += inputTokens;
    }
  }

  if (values.json) {
    const json: Record<string, unknown> = { model: result.model, inputTokens: result.inputTokens, exact: result.exact, estimate: !result.exact, tokenizer };
    if (result.note) json.note = result.note;
    if (result.parts) json.parts = result.parts;
    if (result.files) json.files = result.files;
    io.stdout(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    printText(io, result, values.request);
  }
  return 0;
}

export const tokensCommand: CliCommand = {
  name: 'tokens',
  summary: 'Estimate (or count exactly) the prompt tokens of a request body or of text files',
  usage: USAGE,
  run,
};
