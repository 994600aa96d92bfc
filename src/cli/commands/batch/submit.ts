import { parseArgs } from 'node:util';
import type { BatchApi, MessageBatch } from '../../../core/api/batchApi';
import { describeCostPreview } from '../../../core/batch/costPreview';
import { type PreflightReport, describePreflight } from '../../../core/batch/preflight';
import { FilesInFlightWatch, describeFilesInFlight, findFilesInFlight } from '../../../core/batch/inFlight';
import { EscapingOutputWatch, describeEscapingOutput, findEscapingOutput } from '../../../core/tracking/outputCheck';
import { storedSucceededOutput } from '../../../core/tracking/jobRowStats';
import { outputHistoryOf } from '../../../core/batch/outputHistory';
import { type PreparedJob, discardPreparedJob, prepareJob } from '../../../core/batch/prepareJob';
import { RequestTooLargeError } from '../../../core/jobs/splitBatches';
import { type SubmitOutcome, submitPreparedJob } from '../../../core/batch/submitJob';
import { TemplateError, TemplateNotFoundError, loadTemplate } from '../../../core/batch/templates';
import * as path from 'node:path';
import { UnknownModelError, useLiveModelFacts } from '../../../core/pricing/catalog';
import { LIVE_MODELS_CACHE_FILE, loadLiveModels } from '../../../core/pricing/liveModels';
import type { BatchRecord } from '../../../core/jobs/jobModel';
import type { Clock } from '../../../core/util/clock';
import { type CliCommand, type CliIo, UsageError } from '../../io';
import { defaultSettings } from '../../../core/settings/readSettings';
import { type CliSettings, loadCliSettings } from '../../workspaceSettings';
import { apiKeyFrom, createCliBatchApi, openBatchContext, reconcileBeforeCommand } from './context';

// The settings' defaults, from the one schema the editor uses too.
const { defaultModel: DEFAULT_MODEL, defaultTemplate: DEFAULT_TEMPLATE, maxFileBytes: DEFAULT_MAX_FILE_BYTES } = defaultSettings();

const USAGE = [
  'Usage: batchlens batch submit <paths...> [--template NAME|FILE] [--model M] [--max-tokens N]',
  '         [--max-requests-per-batch N] [--max-file-bytes N] [--exclude GLOB]... [--exact] [--dry-run] [--yes] [--again] [--json]',
  '         [--send-failing]',
  '',
  'Sends one Message Batches request per file (folders expand, honouring .gitignore) through a prompt',
  'template, at the batch price. Prints a cost preview first; run from the workspace root.',
  '',
  '  --template NAME|FILE        built-in (summarize, review, document, explain, translate, classify, extract),',
  '                              .batchlens/templates/NAME.md, or a template file (default: summarize)',
  `  --model M                   model for the requests (default: the template's; built-ins use batchlens.defaultModel, else ${DEFAULT_MODEL})`,
  "  --max-tokens N              max_tokens per request (default: the template's)",
  '  --max-requests-per-batch N  split into batches of at most N requests (default 100000)',
  `  --max-file-bytes N          skip files larger than N bytes (default ${DEFAULT_MAX_FILE_BYTES})`,
  '  --exclude GLOB              skip files matching GLOB (gitignore syntax); repeatable',
  '  --exact                     count input tokens with the free count_tokens endpoint (needs a key)',
  '  --dry-run                   print the preview and send nothing',
  '  --yes                       submit without asking (required when not on a terminal)',
  '  --again                     send files another job still has in flight once more (billed again)',
  '  --json                      print {"jobId","batches","requests","skipped","estimate","preflight"} as JSON',
  '  --send-failing              send rows that pre-flight says the API will reject (they come back errored);',
  '                              without it, nothing is sent while any row would fail',
].join('\n');

/** Test seams: a fixed clock, and a hook standing for a crash right after a create call. */
export interface SubmitCommandSeams {
  clock?: Clock;
  afterCreate?: (batch: MessageBatch, record: BatchRecord) => void | Promise<void>;
}

/** `batchlens batch submit`, with optional test seams. */
export function createSubmitCommand(seams: SubmitCommandSeams = {}): CliCommand {
  return {
    name: 'submit',
    summary: 'Send files as a Message Batches job through a prompt template (cost preview first)',
    usage: USAGE,
    run: (args, io) => runSubmit(args, io, seams),
  };
}

export const submitCommand: CliCommand = createSubmitCommand();

async function runSubmit(args: string[], io: CliIo, seams: SubmitCommandSeams): Promise<number> {
  // Pre-flight follows the lifecycle and limits of the last `batchlens models` refresh, when there is one (no fetch here).
  const live = await loadLiveModels({ cacheFile: path.join(io.cwd, LIVE_MODELS_CACHE_FILE), nowMs: Date.now() });
  useLiveModelFacts(live.facts);
  try {
    return await runSubmitWithCatalog(args, io, seams);
  } finally {
    useLiveModelFacts(undefined);
  }
}

async function runSubmitWithCatalog(args: string[], io: CliIo, seams: SubmitCommandSeams): Promise<number> {
  const settings = loadCliSettings(io);
  const options = parseSubmitArgs(args, settings);
  const context = openBatchContext(io, seams.clock);

  // Settle anything before collecting: a missing key or a refusal should cost the user no waiting.
  let api: BatchApi | undefined;
  if (!options.dryRun || options.exact) api = createCliBatchApi(io, context.logger);
  else if (apiKeyFrom(io)) api = madeOnFirstUse(() => createCliBatchApi(io, context.logger));
  if (!options.dryRun && !options.yes && !io.confirm) {
    throw new UsageError('not on a terminal, so there is no one to confirm: pass --yes to submit, or --dry-run to only see the preview');
  }
  if (api) await reconcileBeforeCommand(context, api, io);

  let prepared: PreparedJob;
  // A dry run keeps no manifest (it writes nothing): its rows are checked as they are built.
  let previewChecks: PreviewChecks | undefined;
  try {
    const jobs = await context.store.list();
    const template = await loadTemplate(context.root, options.template, options.model ?? settings.defaultModel ?? DEFAULT_MODEL);
    if (options.model) template.model = options.model;
    if (options.maxTokens !== undefined) template.maxTokens = options.maxTokens;
    prepared = await prepareJob({
      root: context.root,
      selection: options.paths,
      template,
      maxFileBytes: options.maxFileBytes,
      filesExclude: settings.filesExclude,
      exclude: options.exclude,
      maxRequestsPerBatch: options.maxRequestsPerBatch,
      exactCounts: options.exact && api ? { api } : undefined,
      modelOverrides: settings.modelOverrides,
      outputHistory: outputHistoryOf(jobs, template.name, storedSucceededOutput),
      // A dry run only previews: its requests are checked and priced as they are built, never kept.
      keepRequestsIn: options.dryRun ? undefined : context.store.dir,
      watchRows: options.dryRun
        ? (job) => {
            const checks: PreviewChecks = { escaping: new EscapingOutputWatch(job, context.store), inFlight: new FilesInFlightWatch(job, jobs) };
            previewChecks = checks;
            return (entry) => {
              checks.escaping.add(entry);
              checks.inFlight.add(entry);
            };
          }
        : undefined,
      now: context.clock.now(),
    });
  } catch (error) {
    const inputErrors = [TemplateError, TemplateNotFoundError, UnknownModelError, RequestTooLargeError];
    if (inputErrors.some((type) => error instanceof type)) throw new UsageError((error as Error).message);
    throw error;
  }

  try {
    return await decideAndSubmit(prepared, previewChecks, options, context, api, io, seams);
  } finally {
    // Whatever was not submitted (a dry run, a refusal, a cancelled prompt, a failure) leaves no requests file behind.
    await discardPreparedJob(prepared);
  }
}

/** A dry run's checks, fed each row as it was built. */
interface PreviewChecks {
  escaping: EscapingOutputWatch;
  inFlight: FilesInFlightWatch;
}

async function decideAndSubmit(
  prepared: PreparedJob,
  previewChecks: PreviewChecks | undefined,
  options: SubmitArgs,
  context: ReturnType<typeof openBatchContext>,
  api: BatchApi | undefined,
  io: CliIo,
  seams: SubmitCommandSeams,
): Promise<number> {
  // Every check the API would apply to a row only after the batch ended, run as the rows were built.
  const preflight = prepared.preflight;
  // Only rows with a pre-flight problem are named by path: no map of the whole job.
  const pathOf = prepared.problemPaths;

  if (prepared.rows === 0) {
    if (options.json) io.stdout(`${JSON.stringify(jsonReport(prepared, undefined, preflight, pathOf))}\n`);
    else io.stderr(`batchlens batch submit: nothing to send: no readable text files in the selection${skippedSuffix(prepared)}\n`);
    return 1;
  }
  // A job to send reads its rows back from its log, and the store's jobs as they are now, just before sending.
  const escaping = previewChecks ? previewChecks.escaping.found : findEscapingOutput(prepared.job, context.store, prepared.manifestEntries());
  if (escaping) {
    throw new UsageError(describeEscapingOutput(escaping));
  }
  const inFlight = previewChecks ? previewChecks.inFlight.found() : findFilesInFlight(prepared.job, await context.store.list(), prepared.manifestEntries);
  if (inFlight.length > 0 && !options.again) {
    const line = describeFilesInFlight(inFlight);
    if (!options.dryRun) {
      io.stderr(`batchlens batch submit: ${line}. Nothing was sent. Follow them with \`batchlens batch status ${inFlight[0].jobId}\`, or pass --again to send them once more (billed again).\n`);
      return 1;
    }
    io.stderr(`Note: ${line}; a real submit would refuse without --again.\n`);
  }
  if (!options.json) {
    io.stdout(`${previewText(prepared)}\n`);
    io.stdout(`${describePreflight(preflight, (problem) => pathOf.get(problem.customId) ?? problem.customId).join('\n')}\n`);
    for (const problem of preflight.batchProblems) io.stdout(`  ${problem}\n`);
  }
  if (options.dryRun) {
    if (options.json) io.stdout(`${JSON.stringify(jsonReport(prepared, undefined, preflight, pathOf, true))}\n`);
    else io.stdout('Dry run: nothing was sent.\n');
    return 0;
  }
  if ((preflight.failingRows > 0 || preflight.batchProblems.length > 0) && !options.sendFailing) {
    if (options.json) io.stdout(`${JSON.stringify(jsonReport(prepared, undefined, preflight, pathOf))}\n`);
    const count = preflight.failingRows;
    io.stderr(
      `batchlens batch submit: ${count} row${count === 1 ? '' : 's'} would fail${preflight.batchProblems.length > 0 ? ' and the split breaks an API limit' : ''}: ` +
        'nothing was sent; fix them, or pass --send-failing to send every row anyway\n',
    );
    return 1;
  }
  if (!options.yes && io.confirm) {
    const question = `Submit ${prepared.rows} request${prepared.rows === 1 ? '' : 's'} (expected ≈$${prepared.preview.expected.batchUsd.toFixed(4)}, at most ≈$${prepared.preview.batchUsd.toFixed(4)})?`;
    if (!(await io.confirm(question))) {
      io.stderr('Cancelled: nothing was sent.\n');
      return 1;
    }
  }

  // The job's age counts from submission, not from when its files were collected (a prompt may wait).
  prepared.job.createdAt = context.clock.now();
  const outcome = await submitPreparedJob(prepared, {
    store: context.store,
    api: api!,
    clock: context.clock,
    logger: context.logger,
    maxRequestsPerBatch: options.maxRequestsPerBatch,
    afterCreate: seams.afterCreate,
  });
  if (options.json) io.stdout(`${JSON.stringify(jsonReport(prepared, outcome, preflight, pathOf))}\n`);
  else io.stdout(`${outcomeText(outcome)}\n`);
  if (outcome.failure) {
    io.stderr(`batchlens batch submit: ${outcome.failure.message}\n`);
    return 1;
  }
  return 0;
}

/**
 * A dry run's API, made when first used: it is only needed to reconcile an interrupted submission,
 * and making it loads the SDK (a tenth of a second) for a preview that usually sends nothing.
 */
function madeOnFirstUse(make: () => BatchApi): BatchApi {
  let api: BatchApi | undefined;
  const real = () => (api ??= make());
  return new Proxy({} as BatchApi, {
    get: (_target, key) => {
      const value: unknown = Reflect.get(real(), key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real()) : value;
    },
    has: (_target, key) => Reflect.has(real(), key),
  });
}

interface SubmitArgs {
  paths: string[];
  template: string;
  model?: string;
  maxTokens?: number;
  maxRequestsPerBatch: number;
  maxFileBytes: number;
  exclude: string[];
  exact: boolean;
  dryRun: boolean;
  yes: boolean;
  again: boolean;
  json: boolean;
  sendFailing: boolean;
}

/** Flags win; the workspace's `batchlens.*` settings fill what the flags leave out. */
function parseSubmitArgs(args: string[], settings: CliSettings): SubmitArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        template: { type: 'string' },
        model: { type: 'string' },
        'max-tokens': { type: 'string' },
        'max-requests-per-batch': { type: 'string' },
        'max-file-bytes': { type: 'string' },
        exclude: { type: 'string', multiple: true },
        exact: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        again: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'send-failing': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError('give at least one file or folder to send (e.g. `batchlens batch submit src --dry-run`)');
  return {
    paths: positionals,
    template: values.template ?? settings.defaultTemplate ?? DEFAULT_TEMPLATE,
    model: values.model,
    maxTokens: values['max-tokens'] === undefined ? undefined : positiveInteger('--max-tokens', values['max-tokens']),
    maxRequestsPerBatch:
      values['max-requests-per-batch'] === undefined
        ? Math.min(100_000, settings.maxRequestsPerBatch ?? 100_000)
        : Math.min(100_000, positiveInteger('--max-requests-per-batch', values['max-requests-per-batch'])),
    maxFileBytes:
      values['max-file-bytes'] === undefined ? (settings.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES) : positiveInteger('--max-file-bytes', values['max-file-bytes']),
    exclude: [...settings.exclude, ...(values.exclude ?? [])],
    exact: values.exact ?? false,
    dryRun: values['dry-run'] ?? false,
    yes: values.yes ?? false,
    again: values.again ?? false,
    json: values.json ?? false,
    sendFailing: values['send-failing'] ?? false,
  };
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a whole number of at least 1 (got '${text}')`);
  return value;
}

/** The `--json` shape promised in the README: batches is empty for a dry run or a refusal. */
function jsonReport(
  prepared: PreparedJob,
  outcome: SubmitOutcome | undefined,
  preflight: PreflightReport & { batchProblems: string[] },
  pathOf: ReadonlyMap<string, string>,
  dryRun = false,
) {
  return {
    jobId: prepared.job.id,
    batches: outcome ? outcome.job.batches.filter((record) => record.batchId).map((record) => record.batchId as string) : [],
    requests: prepared.rows,
    skipped: prepared.skipped.map((skip) => ({ path: skip.relativePath, reason: skip.reason })),
    estimate: {
      batchUsd: prepared.preview.batchUsd,
      syncUsd: prepared.preview.syncUsd,
      savingUsd: prepared.preview.savingUsd,
      inputTokens: prepared.preview.inputTokens,
      outputTokensBound: prepared.preview.outputTokensBound,
      expectedBatchUsd: prepared.preview.expected.batchUsd,
      expectedOutputTokens: prepared.preview.expected.outputTokens,
      exact: prepared.preview.exactInputTokens,
      label: prepared.preview.label,
    },
    preflight: {
      apiVersion: preflight.apiVersion,
      failingRows: preflight.failingRows,
      problems: preflight.problems.map((problem) => ({ customId: problem.customId, path: pathOf.get(problem.customId) ?? null, check: problem.check, message: problem.message })),
      batchProblems: preflight.batchProblems,
    },
    dryRun,
    sent: outcome !== undefined,
    ...(outcome?.failure ? { error: outcome.failure.message } : {}),
  };
}

function previewText(prepared: PreparedJob): string {
  const lines = [`Cost preview (estimate) for ${prepared.job.template.name}:`, ...describeCostPreview(prepared.preview).map((line) => `  ${line}`)];
  if (prepared.skipped.length > 0) {
    lines.push('Skipped files:');
    for (const skip of prepared.skipped) lines.push(`  ${skip.relativePath}: ${skip.reason}${skip.detail ? ` (${skip.detail})` : ''}`);
  }
  return lines.join('\n');
}

function outcomeText(outcome: SubmitOutcome): string {
  const ids = outcome.created;
  const lines = [`Submitted job ${outcome.job.id}: ${ids.length} batch${ids.length === 1 ? '' : 'es'} (${ids.join(', ') || 'none'}).`];
  if (outcome.unsentRequests > 0) lines.push(`${outcome.unsentRequests} request(s) were not sent.`);
  lines.push(`Follow it with: batchlens batch status ${outcome.job.id}`);
  return lines.join('\n');
}

function skippedSuffix(prepared: PreparedJob): string {
  if (prepared.skipped.length === 0) return '';
  return ` (skipped: ${prepared.skipped.map((skip) => `${skip.relativePath} ${skip.reason}`).join(', ')})`;
}
