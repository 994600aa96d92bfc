import { randomBytes } from 'node:crypto';
import type { BatchApi, BatchRequest, CountTokensParams } from '../api/batchApi';
import { resolveModel } from '../pricing/catalog';
import type { ModelOverrides } from '../pricing/overrides';
import { JOB_SCHEMA_VERSION, type Job, type ManifestEntry } from '../jobs/jobModel';
import { requestsFileFor } from '../tracking/jobStore';
import { abortError } from '../util/clock';
import { type CollectOptions, type SkippedFile, collectFiles } from './collectFiles';
import { type CostPreview, buildCostPreview } from './costPreview';
import { CustomIdAllocator, newCustomIdTag } from './customIds';
import type { OutputExpectation } from './outputHistory';
import { buildRequest, buildSystemBlocks } from './requestBuilder';
import { DEFAULT_MAX_BATCH_BYTES, type PlannedBatch, splitIntoBatches } from '../jobs/splitBatches';
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
  /** Milliseconds since the epoch, for the job id and `createdAt`. */
  now: number;
  onProgress?: (progress: { phase: 'collect' | 'count'; done: number; current?: string }) => void;
}

/** Everything about a job before anything is sent: the job record (no batches yet), its requests, the split and the preview. */
export interface PreparedJob {
  job: Job;
  /** In manifest order. */
  requests: BatchRequest[];
  plan: PlannedBatch[];
  preview: CostPreview;
  skipped: SkippedFile[];
}

/**
 * Collects the selection, builds one request per accepted file through the template, assigns
 * custom ids, splits into batches and prices the result. Sends nothing (count_tokens aside, when
 * `exactCounts` is given). Throws `UnknownModelError` for a model that cannot be priced.
 */
export async function prepareJob(options: PrepareJobOptions): Promise<PreparedJob> {
  const { template } = options;
  const resolved = resolveModel(template.model, options.modelOverrides);
  const tokenizer = resolved.entry.tokenizer;
  const systemBlocks = buildSystemBlocks(template);
  // Every id carries this job's own tag, so no other job's results can ever match its manifest.
  const customIdTag = newCustomIdTag();
  const ids = new CustomIdAllocator({ tag: customIdTag });
  const requests: BatchRequest[] = [];
  const manifest: ManifestEntry[] = [];
  const requestBytes: number[] = [];
  const skipped: SkippedFile[] = [];
  let sharedPrefixTokens = 0;

  const collected = collectFiles({
    ...options,
    onProgress: (progress) => options.onProgress?.({ phase: 'collect', done: progress.scanned, current: progress.current }),
  });
  for await (const event of collected) {
    if (event.type === 'skipped') {
      skipped.push(event.skipped);
      continue;
    }
    const built = buildRequest(template, systemBlocks, event.file, ids.allocate(event.file.relativePath), tokenizer);
    requests.push(built.request);
    manifest.push(built.entry);
    requestBytes.push(built.serializedBytes);
    sharedPrefixTokens = built.sharedPrefixTokens;
  }

  let rowInputTokens = manifest.map((entry) => entry.estimatedInputTokens);
  let exactInputTokens = false;
  if (options.exactCounts && requests.length > 0) {
    rowInputTokens = await countTokensExactly(options.exactCounts.api, requests, options.exactCounts.concurrency ?? 4, options.signal, (done) =>
      options.onProgress?.({ phase: 'count', done }),
    );
    exactInputTokens = true;
  }

  const plan = splitIntoBatches(requestBytes, {
    maxRequests: options.maxRequestsPerBatch,
    maxBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
  });
  const preview = buildCostPreview({
    model: resolved.entry,
    modelNote: resolved.note,
    rowInputTokens,
    exactInputTokens,
    sharedPrefixTokens,
    ttl: template.ttl,
    maxTokens: template.maxTokens,
    skipped,
    batches: plan.length,
    usResidency: options.usResidency,
    expectedOutput: options.outputHistory,
  });
  const jobId = newJobId(options.now);
  const job: Job = {
    schemaVersion: JOB_SCHEMA_VERSION,
    id: jobId,
    createdAt: options.now,
    template: {
      name: template.name,
      model: template.model,
      maxTokens: template.maxTokens,
      ...(template.outputPattern ? { outputPattern: template.outputPattern } : {}),
    },
    customIdTag,
    manifest,
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
  return { job, requests, plan, preview, skipped };
}

/** A sortable, unique job id: `job_20261122T083000Z_ab12cd`. */
export function newJobId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `job_${stamp}_${randomBytes(3).toString('hex')}`;
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

/** Exact prompt tokens of every request through the free count_tokens endpoint, a few at a time. */
async function countTokensExactly(
  api: BatchApi,
  requests: readonly BatchRequest[],
  concurrency: number,
  signal: AbortSignal | undefined,
  onDone: (done: number) => void,
): Promise<number[]> {
  const counts = new Array<number>(requests.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length) {
      if (signal?.aborted) throw abortError();
      const index = next++;
      counts[index] = await api.countTokens(countTokensParamsOf(requests[index]), { signal });
      onDone(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, requests.length)) }, worker));
  return counts;
}
