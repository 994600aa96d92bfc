import type { BatchRequest } from '../api/batchApi';
import { BATCHLENS_API_VERSION, REMOVED_PARAMETERS, isStrictVersion } from '../api/apiVersions';
import { UnknownModelError, findModel, isoToday, resolveModel } from '../pricing/catalog';
import { lifecycleAt } from '../pricing/lifecycle';
import type { ModelOverrides } from '../pricing/overrides';
import { API_MAX_BATCH_BYTES, API_MAX_REQUESTS_PER_BATCH, type PlannedBatch } from '../jobs/splitBatches';
import { DigestSet } from '../util/digestSet';

/*
 * Pre-flight: every check the API applies to a batch row only when the batch runs (so a bad row
 * comes back `errored` up to 24 hours later) is run here, before anything is sent. One module for
 * the CLI and the editor. The emulator implements the same rules independently
 * (test/emulator/validation.ts); a conformance test holds the two to one table of rows.
 */

export type PreflightCheck =
  | 'removed_parameter'
  | 'unknown_model'
  | 'retired_model'
  | 'batch_unsupported'
  | 'max_tokens'
  | 'prompt_too_long'
  | 'breakpoints'
  | 'ttl_order'
  | 'assistant_document'
  | 'user_citations'
  | 'custom_id'
  | 'duplicate_custom_id'
  | 'row_size'
  | 'batch_size';

/** One reason one row would fail. */
export interface PreflightProblem {
  customId: string;
  /** Index of the row in the job. */
  index: number;
  check: PreflightCheck;
  message: string;
}

export interface PreflightReport {
  apiVersion: string;
  rows: number;
  /** Rows with at least one problem. */
  failingRows: number;
  /** custom_ids of the failing rows, in job order. */
  failingCustomIds: string[];
  problems: PreflightProblem[];
}

export interface PreflightOptions {
  /** The `anthropic-version` the requests will be sent with (default: the one Batchlens's SDK sends). */
  apiVersion?: string;
  /** The day the batch will run (ISO), for retirements (default: today). */
  today?: string;
  modelOverrides?: ModelOverrides;
  /** Estimated (or exact) input tokens of each row, for the context-window check. */
  inputTokens?: readonly number[];
  /** Serialized bytes of each row (computed when absent). */
  rowBytes?: readonly number[];
}

export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_BREAKPOINTS = 4;
/** The largest single request the Messages API takes (a batch row is one). */
export const MAX_ROW_BYTES = 32 * 1024 * 1024;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function blocksOf(content: unknown): Json[] {
  return Array.isArray(content) ? content.filter(isObject) : [];
}

interface Breakpoint {
  ttl: '5m' | '1h';
}

/** Every `cache_control` in prefix order (tools, system, messages), plus the top-level automatic one, which takes a slot. */
function breakpointsOf(params: Json): { explicit: Breakpoint[]; automatic: boolean } {
  const explicit: Breakpoint[] = [];
  const visit = (block: Json) => {
    const control = block['cache_control'];
    if (isObject(control)) explicit.push({ ttl: control['ttl'] === '1h' ? '1h' : '5m' });
  };
  blocksOf(params['tools']).forEach(visit);
  blocksOf(params['system']).forEach(visit);
  for (const message of blocksOf(params['messages'])) blocksOf(message['content']).forEach(visit);
  return { explicit, automatic: isObject(params['cache_control']) };
}

/** What the catalog says of a row's model: its problems, context window and output ceiling. The same for every row naming it. */
export interface ModelChecks {
  problems: ReadonlyArray<{ check: PreflightCheck; message: string }>;
  contextWindow?: number;
  maxOutput?: number;
}

function modelChecks(model: string, options: { today: string; modelOverrides?: ModelOverrides }): ModelChecks {
  const problems: Array<{ check: PreflightCheck; message: string }> = [];
  let contextWindow: number | undefined;
  let maxOutput: number | undefined;
  try {
    const { entry } = resolveModel(model, options.modelOverrides, options.today);
    const catalogEntry = findModel(model);
    if (catalogEntry) {
      const lifecycle = lifecycleAt(catalogEntry.lifecycle, options.today);
      if (lifecycle.state === 'retired') {
        problems.push({
          check: 'retired_model',
          message: `${model} was retired on ${lifecycle.retiresOn}: the API rejects it${lifecycle.successor ? ` (use ${lifecycle.successor})` : ''}`,
        });
      }
      if (catalogEntry.supportsBatch === false) {
        problems.push({ check: 'batch_unsupported', message: `${model} does not take Message Batches (GET /v1/models): the API rejects the row` });
      }
      contextWindow = entry.contextWindowTokens;
      maxOutput = entry.maxOutputTokens;
    }
  } catch (error) {
    if (!(error instanceof UnknownModelError)) throw error;
    problems.push({ check: 'unknown_model', message: `unknown model "${model}"${error.suggestion ? ` (did you mean "${error.suggestion}"?)` : ''}: the API would reject it` });
  }
  return { problems, contextWindow, maxOutput };
}

/** The problems of one row's params, independent of the other rows. */
export function checkRowParams(
  params: Json,
  options: { apiVersion: string; today: string; modelOverrides?: ModelOverrides; inputTokens?: number; modelMemo?: Map<string, ModelChecks> },
): Array<{ check: PreflightCheck; message: string }> {
  const problems: Array<{ check: PreflightCheck; message: string }> = [];
  const strict = isStrictVersion(options.apiVersion);
  if (strict) {
    for (const name of REMOVED_PARAMETERS) {
      if (name in params) {
        problems.push({ check: 'removed_parameter', message: `\`${name}\` is not accepted under anthropic-version ${options.apiVersion} (the version the SDK sends): remove it` });
      }
    }
  }

  const model = typeof params['model'] === 'string' ? params['model'] : '';
  let checked = options.modelMemo?.get(model);
  if (!checked) {
    checked = modelChecks(model, options);
    options.modelMemo?.set(model, checked);
  }
  for (const problem of checked.problems) problems.push({ ...problem });
  const { contextWindow, maxOutput } = checked;

  const maxTokens = params['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    problems.push({ check: 'max_tokens', message: '`max_tokens` must be a whole number of at least 1' });
  } else if (maxOutput !== undefined && maxTokens > maxOutput) {
    problems.push({ check: 'max_tokens', message: `max_tokens ${maxTokens} is above ${model}'s maximum of ${maxOutput.toLocaleString('en-US')} output tokens` });
  }
  if (contextWindow !== undefined && options.inputTokens !== undefined && options.inputTokens > contextWindow) {
    problems.push({
      check: 'prompt_too_long',
      message: `the prompt (≈${options.inputTokens.toLocaleString('en-US')} tokens) is longer than ${model}'s ${contextWindow.toLocaleString('en-US')}-token context window`,
    });
  }

  const { explicit, automatic } = breakpointsOf(params);
  const slots = explicit.length + (automatic ? 1 : 0);
  if (slots > MAX_BREAKPOINTS) {
    problems.push({ check: 'breakpoints', message: `${slots} cache breakpoints${automatic ? ' (the automatic one included)' : ''}: the API allows at most ${MAX_BREAKPOINTS}` });
  }
  const first5m = explicit.findIndex((breakpoint) => breakpoint.ttl === '5m');
  if (first5m >= 0 && explicit.slice(first5m + 1).some((breakpoint) => breakpoint.ttl === '1h')) {
    problems.push({ check: 'ttl_order', message: "a ttl='1h' cache_control comes after a ttl='5m' one: 1h entries must come first" });
  }

  if (strict) {
    for (const message of blocksOf(params['messages'])) {
      const blocks = blocksOf(message['content']);
      if (message['role'] === 'assistant' && blocks.some((block) => block['type'] === 'document')) {
        problems.push({ check: 'assistant_document', message: `a \`document\` block in an assistant message is rejected under anthropic-version ${options.apiVersion}` });
      }
      if (message['role'] === 'user' && blocks.some((block) => block['type'] === 'text' && Array.isArray(block['citations']) && block['citations'].length > 0)) {
        problems.push({ check: 'user_citations', message: `a user text block with \`citations\` is rejected under anthropic-version ${options.apiVersion}` });
      }
    }
  }
  return problems;
}

/**
 * Checks the rows of a job one at a time as they are built, so a 100,000-row job is checked without
 * keeping its requests. A row's problems are listed in the order of the checks.
 */
export class PreflightCollector {
  private readonly apiVersion: string;
  private readonly today: string;
  private readonly problems: PreflightProblem[] = [];
  /** Each custom id seen, as a digest with its row index: 20 bytes a row, not a string in a Map. */
  private readonly seen = new DigestSet();
  private readonly failing: string[] = [];
  /** A job's rows name one model or a few: each is looked up in the catalog once per collector. */
  private readonly modelMemo = new Map<string, ModelChecks>();
  private rows = 0;

  constructor(private readonly options: Pick<PreflightOptions, 'apiVersion' | 'today' | 'modelOverrides'> = {}) {
    this.apiVersion = options.apiVersion ?? BATCHLENS_API_VERSION;
    this.today = options.today ?? isoToday();
  }

  /** Checks the next row; `bytes` is its serialized size, `inputTokens` its estimated (or exact) prompt tokens. */
  /** Problems found so far (to tell whether the row just added has any). */
  get problemCount(): number {
    return this.problems.length;
  }

  add(request: BatchRequest, bytes: number, inputTokens?: number): void {
    const index = this.rows++;
    const customId = request.custom_id;
    const before = this.problems.length;
    const add = (check: PreflightCheck, message: string) => this.problems.push({ customId, index, check, message });
    if (typeof customId !== 'string' || !CUSTOM_ID_PATTERN.test(customId)) {
      add('custom_id', `custom_id ${JSON.stringify(customId)} does not match ^[a-zA-Z0-9_-]{1,64}$ (the whole batch would be refused)`);
    } else if (!this.seen.add(customId, index)) {
      add('duplicate_custom_id', `custom_id "${customId}" is already used by row ${this.seen.get(customId)! + 1}: each row needs its own`);
    }
    for (const problem of checkRowParams(request.params as unknown as Json, {
      apiVersion: this.apiVersion,
      today: this.today,
      modelOverrides: this.options.modelOverrides,
      inputTokens,
      modelMemo: this.modelMemo,
    })) {
      add(problem.check, problem.message);
    }
    if (bytes > MAX_ROW_BYTES) add('row_size', `the row is ${bytes.toLocaleString('en-US')} bytes: one request may be at most ${MAX_ROW_BYTES.toLocaleString('en-US')}`);
    else if (bytes > API_MAX_BATCH_BYTES) add('batch_size', `the row alone is over the ${API_MAX_BATCH_BYTES.toLocaleString('en-US')}-byte batch limit`);
    if (this.problems.length > before) this.failing.push(customId);
  }

  /** What the rows checked so far would do; `failingRows` counts rows, not problems. */
  report(): PreflightReport {
    return { apiVersion: this.apiVersion, rows: this.rows, failingRows: this.failing.length, failingCustomIds: [...this.failing], problems: [...this.problems] };
  }
}

/** Checks every row of a job before it is sent (see `PreflightCollector`). */
export function preflightRequests(requests: readonly BatchRequest[], options: PreflightOptions = {}): PreflightReport {
  const collector = new PreflightCollector(options);
  for (const [index, request] of requests.entries()) {
    collector.add(request, options.rowBytes?.[index] ?? Buffer.byteLength(JSON.stringify(request), 'utf8'), options.inputTokens?.[index]);
  }
  return collector.report();
}

/** Checks a planned split: no batch may exceed the API's request count or body size (the whole create call would be refused). */
export function checkBatchPlan(plan: readonly PlannedBatch[]): string[] {
  const problems: string[] = [];
  plan.forEach((batch, index) => {
    if (batch.count > API_MAX_REQUESTS_PER_BATCH) problems.push(`batch ${index + 1} has ${batch.count} requests (at most ${API_MAX_REQUESTS_PER_BATCH})`);
    if (batch.bodyBytes > API_MAX_BATCH_BYTES) problems.push(`batch ${index + 1} is ${batch.bodyBytes} bytes (at most ${API_MAX_BATCH_BYTES})`);
  });
  return problems;
}

/** "1 row would fail", "3 rows would fail", or "no row would fail". */
export function failingRowsHeadline(report: PreflightReport): string {
  if (report.failingRows === 0) return `Pre-flight: no row would fail (${report.rows} checked against anthropic-version ${report.apiVersion}).`;
  return `Pre-flight: ${report.failingRows} row${report.failingRows === 1 ? '' : 's'} would fail (of ${report.rows}, anthropic-version ${report.apiVersion}).`;
}

/** The headline, then one line per problem (at most `limit`), naming the row by `label`. */
export function describePreflight(report: PreflightReport, label: (problem: PreflightProblem) => string = (problem) => problem.customId, limit = 20): string[] {
  const lines = [failingRowsHeadline(report)];
  for (const problem of report.problems.slice(0, limit)) lines.push(`  ${label(problem)}: ${problem.message}`);
  if (report.problems.length > limit) lines.push(`  … and ${report.problems.length - limit} more`);
  return lines;
}
