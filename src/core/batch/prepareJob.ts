import { nodeCrypto } from '../util/nodeCrypto';
import type { BatchApi, BatchRequest, CountTokensParams } from '../api/batchApi';
import { requestsFileFor } from '../jobs/jobIds';
import { JOB_SCHEMA_VERSION, type Job, type ManifestEntry } from '../jobs/jobModel';
import { ManifestLog } from '../jobs/manifestLog';
import { RequestsFileWriter } from '../jobs/requestsFile';
import { DEFAULT_MAX_BATCH_BYTES, type PlannedBatch, splitIntoBatches } from '../jobs/splitBatches';
import { resolveModel } from '../pricing/catalog';
import type { ModelOverrides } from '../pricing/overrides';
import { abortError } from '../util/clock';
import { NumberList } from '../util/numberList';
import { type CollectOptions, type SkippedFile, collectFiles } from './collectFiles';
import { type CostPreview, buildCostPreview } from './costPreview';
import { CustomIdAllocator, newCustomIdTag } from './customIds';
import type { OutputExpectation } from './outputHistory';
import { PreflightCollector, type PreflightReport, checkBatchPlan } from './preflight';
import { buildRequest, buildSystemBlocks } from './requestBuilder';
import { RowTokenEstimator } from './rowTokens';
import type { PromptTemplate } from './templates';

export interface PrepareJobOptions extends Omit<CollectOptions, 'onProgress'> {
  /** The template with any model / max_tokens overrides already applied. */
  template: PromptTemplate;
  modelOverrides?: ModelOverrides;
  usResidency?: boolean;
  /** `batchlens.maxRequestsPerBatch` (the API's 100,000 is the ceiling). */
  maxRequestsPerBatch: number;
  /** Serialized bytes per batch; defaults to ~230 MB, under the API's 256 MB. */
  maxBatchBytes?: number;
  /** When set, input tokens are counted exactly with count_tokens instead of estimated. */
  exactCounts?: { api: BatchApi; concurrency?: number };
  /** Expected output per row from the template's history (`outputHistoryOf`); the preview's default ratio when absent. */
  outputHistory?: OutputExpectation;
  /**
   * The store folder (`.batchlens/`) to write the job's requests file into as the requests are built,
   * so they are never all in memory; the job can then be submitted. Absent for a preview that will not
   * be sent (a dry run): the requests are checked and priced, then dropped.
   */
  keepRequestsIn?: string;
  /** Milliseconds since the epoch, for the job id, `createdAt` and the pre-flight's day. */
  now: number;
  onProgress?: (progress: { phase: 'collect' | 'count'; done: number; current?: string }) => void;
  /**
   * Called once the job's id and template are known; the function it returns sees each row as it is
   * built. A preview (no `keepRequestsIn`) keeps no manifest, so checks over its rows run here.
   */
  watchRows?: (job: Pick<Job, 'id' | 'template'>) => (entry: ManifestEntry) => void;
}

/** Everything about a job before anything is sent: the job record (no batches yet), the split, the preview and the pre-flight. */
export interface PreparedJob {
  /**
   * The job record. When its rows are kept (`keepRequestsIn`), its `manifest` is read back from the
   * manifest log on first touch (then held whole): use `rows` and `manifestEntries` instead. A preview's
   * manifest is empty: it keeps no row (see `watchRows`).
   */
  job: Job;
  /** Rows built (the manifest's length). */
  rows: number;
  /**
   * The manifest's entries in order, read a chunk at a time from the manifest log. A preview has none
   * to read back and throws: its rows are seen as they are built, through `watchRows`.
   */
  manifestEntries: () => Iterable<ManifestEntry>;
  /** The source path of each row with a pre-flight problem, by custom id. */
  problemPaths: ReadonlyMap<string, string>;
  /** The job's requests file, written but not yet in place (`submitPreparedJob` commits it); absent for a dry run. */
  requests?: RequestsFileWriter;
  /** The job's manifest, written as its rows log as the rows were built (the store places it); absent for a dry run. */
  manifestLog?: ManifestLog;
  plan: PlannedBatch[];
  /** Bytes of each request's serialized line, in manifest order (what the split was planned from). */
  requestBytes: Float64Array;
  preview: CostPreview;
  skipped: SkippedFile[];
  /** Every check the API would apply to a row only after the batch ended, and the split's limits. */
  preflight: PreflightReport & { batchProblems: string[] };
}

/**
 * Collects the selection, builds one request per accepted file through the template, assigns
 * custom ids, checks each row (pre-flight), splits into batches and prices the result. Each request
 * is serialized once, appended to the requests file (when kept) and dropped, so memory does not grow
 * with the job's payload. Sends nothing (count_tokens aside, when `exactCounts` is given). Throws
 * `UnknownModelError` for a model that cannot be priced.
 */
export async function prepareJob(options: PrepareJobOptions): Promise<PreparedJob> {
  const { template } = options;
  const resolved = resolveModel(template.model, options.modelOverrides);
  const rowTokens = new RowTokenEstimator(resolved.entry.tokenizer, template.model);
  const systemBlocks = buildSystemBlocks(template);
  // Every id carries this job's own tag, so no other job's results can ever match its manifest.
  const customIdTag = newCustomIdTag();
  const ids = new CustomIdAllocator({ tag: customIdTag });
  const jobId = newJobId(options.now);
  // Per-row figures in typed lists (8 bytes a row, outside the JavaScript heap): all a 100,000-row job keeps of each row.
  const rowInputTokens = new NumberList();
  const problemPaths = new Map<string, string>();
  let rows = 0;
  const requestBytes = new NumberList();
  const skipped: SkippedFile[] = [];
  const preflight = new PreflightCollector({ modelOverrides: options.modelOverrides, today: new Date(options.now).toISOString().slice(0, 10) });
  const exact = options.exactCounts
    ? new ExactCounter(options.exactCounts.api, options.exactCounts.concurrency ?? 4, options.signal, (done) => options.onProgress?.({ phase: 'count', done }))
    : undefined;
  const requests = options.keepRequestsIn === undefined ? undefined : await RequestsFileWriter.open(options.keepRequestsIn, jobId);
  let manifestLog: ManifestLog | undefined;
  let sharedPrefixTokens = 0;
  const jobTemplate: Job['template'] = {
    name: template.name,
    model: template.model,
    maxTokens: template.maxTokens,
    ...(template.outputPattern ? { outputPattern: template.outputPattern } : {}),
  };
  const watchRow = options.watchRows?.({ id: jobId, template: jobTemplate });

  try {
    manifestLog = options.keepRequestsIn === undefined ? undefined : await ManifestLog.open(options.keepRequestsIn, jobId);
    const collected = collectFiles({
      ...options,
      onProgress: (progress) => options.onProgress?.({ phase: 'collect', done: progress.scanned, current: progress.current }),
    });
    for await (const event of collected) {
      if (event.type === 'skipped') {
        skipped.push(event.skipped);
        continue;
      }
      const built = buildRequest(template, systemBlocks, event.file, ids.allocate(event.file.relativePath), rowTokens);
      // A job to submit writes its manifest to its rows log as it goes; a preview keeps none (memory
      // does not grow with the job's rows).
      watchRow?.(built.entry);
      await manifestLog?.append(built.entry);
      rowInputTokens.push(built.entry.estimatedInputTokens);
      requestBytes.push(built.serializedBytes);
      sharedPrefixTokens = built.sharedPrefixTokens;
      const problemsBefore = preflight.problemCount;
      preflight.add(built.request, built.serializedBytes, built.entry.estimatedInputTokens);
      if (preflight.problemCount > problemsBefore) problemPaths.set(built.entry.customId, built.entry.relativePath);
      await exact?.add(rows, built.request);
      rows += 1;
      await requests?.append(built.line);
    }
    await manifestLog?.written();
    const counted = await exact?.finish();
    const exactCounts = rows > 0 ? counted : undefined;

    const plan = splitIntoBatches(requestBytes.values(), {
      maxRequests: options.maxRequestsPerBatch,
      maxBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
    });
    const preview = buildCostPreview({
      model: resolved.entry,
      modelNote: resolved.note,
      rowInputTokens: exactCounts ?? rowInputTokens.values(),
      exactInputTokens: exactCounts !== undefined,
      ...(exactCounts === undefined ? { sampling: rowTokens.sampling } : {}),
      sharedPrefixTokens,
      ttl: template.ttl,
      maxTokens: template.maxTokens,
      skipped,
      batches: plan.length,
      usResidency: options.usResidency,
      expectedOutput: options.outputHistory,
    });
    const job: Job = {
      schemaVersion: JOB_SCHEMA_VERSION,
      id: jobId,
      createdAt: options.now,
      template: jobTemplate,
      customIdTag,
      manifest: [],
      batches: [],
      rows: {},
      estimate: {
        batchUsd: preview.batchUsd,
        syncUsd: preview.syncUsd,
        inputTokens: preview.inputTokens,
        outputTokensBound: preview.outputTokensBound,
        expectedBatchUsd: preview.expected.batchUsd,
        expectedOutputTokens: preview.expected.outputTokens,
        expectedBasis: preview.expected.expectation.basis,
      },
      requestsFile: requestsFileFor(jobId),
    };
    const log = manifestLog;
    if (log) readManifestOnFirstUse(job, log);
    return {
      job,
      rows,
      manifestEntries: log
        ? () => log.entries()
        : () => {
            throw new Error('a preview keeps no manifest: check its rows as they are built (watchRows)');
          },
      problemPaths,
      requests,
      manifestLog,
      plan,
      requestBytes: requestBytes.values(),
      preview,
      skipped,
      preflight: { ...preflight.report(), batchProblems: checkBatchPlan(plan) },
    };
  } catch (error) {
    await requests?.discard();
    await manifestLog?.discard();
    await exact?.finish().catch(() => undefined);
    throw error;
  }
}

/** Drops what a prepared job keeps on disk (its unsent requests file and manifest log): for a preview that was not submitted. */
export async function discardPreparedJob(prepared: PreparedJob): Promise<void> {
  await prepared.requests?.discard();
  await prepared.manifestLog?.discard();
}

/**
 * Gives `job` a `manifest` read back from its manifest log the first time it is touched, and held
 * from then on: for callers that want the whole array (the editor's preview lists every file). The
 * submit path reads `manifestEntries` instead and never touches it. It cannot be replaced (no
 * setter): the log is what the store keeps, so a different array would silently not be the job's.
 */
function readManifestOnFirstUse(job: Job, log: ManifestLog): void {
  let manifest: ManifestEntry[] | undefined;
  Object.defineProperty(job, 'manifest', {
    enumerable: true,
    configurable: true,
    get: () => (manifest ??= [...log.entries()]),
  });
}

/** A sortable, unique job id: `job_20261122T083000Z_ab12cd`. */
export function newJobId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `job_${stamp}_${nodeCrypto().randomBytes(3).toString('hex')}`;
}

/** The count_tokens body for a batch request: the same prompt, without the generation settings count_tokens does not take. */
export function countTokensParamsOf(request: BatchRequest): CountTokensParams {
  const { model, messages, system, tools, tool_choice, thinking } = request.params;
  return {
    model,
    messages,
    ...(system === undefined ? {} : { system }),
    ...(tools === undefined ? {} : { tools }),
    ...(tool_choice === undefined ? {} : { tool_choice }),
    ...(thinking === undefined ? {} : { thinking }),
  };
}

/**
 * Exact prompt tokens through the free count_tokens endpoint, a few calls at a time, fed as the
 * requests are built: `add` waits while `concurrency` calls are in flight, so no more than that many
 * requests are held.
 */
class ExactCounter {
  private readonly counts: number[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private done = 0;

  constructor(
    private readonly api: BatchApi,
    private readonly concurrency: number,
    private readonly signal: AbortSignal | undefined,
    private readonly onDone: (done: number) => void,
  ) {}

  async add(index: number, request: BatchRequest): Promise<void> {
    while (this.inFlight.size >= Math.max(1, this.concurrency)) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    if (this.signal?.aborted) throw abortError();
    const call: Promise<void> = this.api
      .countTokens(countTokensParamsOf(request), { signal: this.signal })
      .then((count) => {
        this.counts[index] = count;
        this.onDone(++this.done);
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }

  /** Waits for the calls in flight; the counts in row order, or the first failure. */
  async finish(): Promise<number[]> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    return this.counts;
  }
}
