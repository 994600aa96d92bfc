import type {
  ApiKeyGetter,
  BatchApi,
  BatchPage,
  BatchRequest,
  CountTokensParams,
  MessageBatch,
  MessageBatchIndividualResponse,
  ModelInfo,
  ResultsStreamOptions,
  StreamedJsonBody,
} from './batchApi';
import { BatchApiError, apiErrorReference, stopRetriesOnTerminalCodes, toBatchApiError } from './errors';
import { redactSecrets } from '../util/redact';
import { readResultLines } from './resultsReader';
import { readBodyChunks } from './streamChunks';
import { loadSdk } from './sdkLoader';
import { silentLogger, type Logger } from '../util/logger';

/** Where the SDK sends requests when neither the setting nor `ANTHROPIC_BASE_URL` says otherwise. */
export const DEFAULT_API_BASE_URL = 'https://api.anthropic.com';

export interface CreateBatchApiOptions {
  /** A fixed key (CLI, tests). Give this or `getApiKey`. */
  apiKey?: string;
  /** Asked before every request (SecretStorage, then the environment), so a changed key applies at once. */
  getApiKey?: ApiKeyGetter;
  /** The `batchlens.apiBaseUrl` setting; empty or absent falls back to `ANTHROPIC_BASE_URL`, then the SDK default. */
  baseUrl?: string;
  /** Environment to read `ANTHROPIC_BASE_URL` from; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Retries for idempotent calls (the SDK's rule: connection errors, 408, 409, 429, >= 500). Default 2. */
  maxRetries?: number;
  /** Per-attempt timeout. Default: the SDK's 10 minutes. */
  timeoutMs?: number;
  /**
   * The Anthropic workspace to act on (`batchlens.workspaceId`, `--workspace-id`); empty = the key's
   * default workspace. Sent as `anthropic-workspace-id` on every request, the header the SDK's per-method
   * `workspace_id` parameter sets — here once for all calls, including the raw results download.
   */
  workspaceId?: string;
  /** Injected fetch (tests, proxies). */
  fetch?: typeof globalThis.fetch;
  logger?: Logger;
}

/**
 * Picks the API base URL: the setting when it is non-empty, else `ANTHROPIC_BASE_URL`, else the
 * SDK's default. A trailing slash is dropped so paths join cleanly.
 */
export function resolveBaseUrl(
  setting: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const chosen = setting?.trim() || env['ANTHROPIC_BASE_URL']?.trim() || DEFAULT_API_BASE_URL;
  return chosen.replace(/\/+$/, '');
}

/** Create bodies above this size are sent as a stream: fetch would first copy a byte array body whole (a second 230 MB). */
export const STREAM_BODY_ABOVE_BYTES = 8 * 1024 * 1024;
const STREAM_CHUNK_BYTES = 1024 * 1024;

/** The bytes as a stream of 1 MB views into them (no copy). */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      const end = Math.min(bytes.byteLength, offset + STREAM_CHUNK_BYTES);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
    },
  });
}

/** fetch sends the request itself, not a clone, only with no window and redirects refused (Fetch spec, HTTP-network-or-cache fetch, step 8.1). */
const NO_CLONE_FETCH_OPTIONS = { redirect: 'error', window: null } as const;

function isStreamedBody(body: Uint8Array | StreamedJsonBody): body is StreamedJsonBody {
  return typeof (body as Partial<StreamedJsonBody>).stream === 'function';
}

/**
 * A `BatchApi` over the official SDK (`client.messages.batches.*`, `countTokens`, `models.list`).
 *
 * - Every failure becomes a `BatchApiError`; the key never appears in its message or in logs.
 * - Reads, cancel and delete use the SDK's retries. `create` does NOT retry: the SDK sends no
 *   idempotency key, so a retried POST whose first attempt actually reached the server would
 *   create a second, billed batch. A failed create surfaces at once and the caller's job record
 *   (intent saved before submitting, reconciled against `list`) decides whether it went through.
 * - Results are downloaded from the configured base URL whatever host `results_url` names, and
 *   parsed line by line as they stream in.
 *
 * @example
 * const api = createBatchApi({ getApiKey, baseUrl: config.apiBaseUrl });
 * for await (const row of api.results('msgbatch_...')) console.log(row.custom_id);
 */
export function createBatchApi(options: CreateBatchApiOptions): BatchApi {
  const logger = options.logger ?? silentLogger;
  const knownKeys = new Set<string>();
  if (options.apiKey) {
    knownKeys.add(options.apiKey);
  }
  const secrets = () => [...knownKeys];
  const baseURL = resolveBaseUrl(options.baseUrl, options.env ?? process.env);

  const keySource = async (): Promise<string> => {
    const key = options.apiKey ?? (await options.getApiKey?.());
    if (!key) {
      throw new BatchApiError({
        kind: 'auth',
        message: 'No Anthropic API key is set.',
      });
    }
    knownKeys.add(key);
    return key;
  };

  const { Anthropic } = loadSdk();
  const client = new Anthropic({
    apiKey: options.apiKey ?? keySource,
    baseURL,
    maxRetries: options.maxRetries ?? 2,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    fetch: stopRetriesOnTerminalCodes(options.fetch ?? globalThis.fetch),
    ...(options.workspaceId?.trim() ? { defaultHeaders: { 'anthropic-workspace-id': options.workspaceId.trim() } } : {}),
    logger: sdkLogger(logger, secrets),
    logLevel: 'info',
  });

  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      const mapped = toBatchApiError(error, secrets());
      const reference = apiErrorReference(mapped);
      logger.debug(`${what} failed: ${mapped.kind}${mapped.status ? ` (HTTP ${mapped.status})` : ''}: ${mapped.message}${reference ? ` (${reference})` : ''}`);
      throw mapped;
    }
  };

  const retrieve = (batchId: string, opts?: { signal?: AbortSignal }): Promise<MessageBatch> =>
    call(`retrieve ${batchId}`, () => client.messages.batches.retrieve(batchId, {}, { signal: opts?.signal }));

  return {
    create: (requests: BatchRequest[], opts) =>
      call('create batch', () =>
        client.messages.batches.create({ requests }, { signal: opts?.signal, maxRetries: 0 }),
      ),

    createFromJson: (body: string | Uint8Array | StreamedJsonBody, opts) =>
      call('create batch', () => {
        const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        const sent = isStreamedBody(bytes) ? bytes.stream() : bytes.byteLength > STREAM_BODY_ABOVE_BYTES ? streamOf(bytes) : bytes;
        return client.post<MessageBatch>('/v1/messages/batches', {
          body: sent,
          headers: { 'content-type': 'application/json', 'content-length': String(bytes.byteLength) },
          signal: opts?.signal,
          // Never retried: the SDK sends no idempotency key, so a second attempt could bill a second batch.
          maxRetries: 0,
          // Without these two, fetch sends a clone of the request, whose body is a tee of the stream: the
          // branch not sent keeps every chunk, so the whole body would stay in memory until the answer.
          ...(sent instanceof ReadableStream ? { fetchOptions: NO_CLONE_FETCH_OPTIONS } : {}),
        });
      }),

    retrieve,

    listPage: (opts) =>
      call('list batches', async (): Promise<BatchPage> => {
        const page = await client.messages.batches.list(
          { limit: opts?.limit, after_id: opts?.afterId },
          { signal: opts?.signal },
        );
        return { batches: page.data, hasMore: page.has_more, lastId: page.last_id };
      }),

    listAll: (opts) => ({
      async *[Symbol.asyncIterator]() {
        let afterId: string | undefined;
        for (;;) {
          const page = await call('list batches', () =>
            client.messages.batches.list({ limit: 100, after_id: afterId }, { signal: opts?.signal }),
          );
          yield* page.data;
          if (!page.has_more || !page.last_id || page.data.length === 0) {
            return;
          }
          afterId = page.last_id;
        }
      },
    }),

    cancel: (batchId, opts) =>
      call(`cancel ${batchId}`, () => client.messages.batches.cancel(batchId, {}, { signal: opts?.signal })),

    delete: (batchId, opts) =>
      call(`delete ${batchId}`, async () => {
        await client.messages.batches.delete(batchId, {}, { signal: opts?.signal });
      }),

    results: (batchId, opts) => ({
      [Symbol.asyncIterator]: () => streamResults(batchId, opts ?? {}),
    }),

    resultsBytes: (batchId, opts) => ({
      [Symbol.asyncIterator]: () => streamResultBytes(batchId, opts ?? {}),
    }),

    countTokens: (params: CountTokensParams, opts) =>
      call('count tokens', async () => {
        const counted = await client.messages.countTokens(params, { signal: opts?.signal });
        return counted.input_tokens;
      }),

    listModels: (opts) =>
      call('list models', async () => {
        const models: ModelInfo[] = [];
        for await (const model of client.models.list({ limit: 100 }, { signal: opts?.signal })) {
          models.push(model);
        }
        return models;
      }),
  };

  /** The response of the results download (always from the configured base URL). */
  async function openResults(batchId: string, signal: AbortSignal | undefined): Promise<ReadableStream<Uint8Array>> {
    const batch = await retrieve(batchId, { signal });
    if (!batch.results_url) {
      throw new BatchApiError({
        kind: 'invalid_request',
        message: `Batch ${batchId} has no results yet (status ${batch.processing_status}).`,
      });
    }
    const path = pathOf(batch.results_url, baseURL);
    const response = await call(`download results of ${batchId}`, () =>
      client
        .get(path, {
          headers: { Accept: 'application/binary' },
          __binaryResponse: true,
          signal,
        })
        .asResponse(),
    );
    if (!response.body) {
      throw new BatchApiError({ kind: 'connection', message: `The results of ${batchId} came back with no body.`, cursor: { linesDelivered: 0 } });
    }
    return response.body;
  }

  async function* streamResultBytes(batchId: string, opts: { signal?: AbortSignal }): AsyncGenerator<Uint8Array, void, undefined> {
    const body = await openResults(batchId, opts.signal);
    yield* readBodyChunks(body, (error) => {
      const mapped = opts.signal?.aborted
        ? new BatchApiError({ kind: 'aborted', message: 'The results download was cancelled.', cause: error })
        : new BatchApiError({ kind: 'connection', message: `The results download of ${batchId} was cut (${redactSecrets(describeCause(error), secrets())}).`, cause: error });
      logger.warn(`results of ${batchId}: ${mapped.message}`);
      return mapped;
    });
  }

  async function* streamResults(
    batchId: string,
    opts: ResultsStreamOptions,
  ): AsyncGenerator<MessageBatchIndividualResponse, void, undefined> {
    const body = await openResults(batchId, opts.signal);
    const skipLines = opts.resumeFrom?.linesDelivered ?? 0;
    try {
      yield* readResultLines(body, { skipLines, signal: opts.signal, redact: secrets() });
    } catch (error) {
      const mapped = toBatchApiError(error, secrets());
      logger.warn(`results of ${batchId}: ${mapped.message}`);
      throw mapped;
    }
  }
}

/**
 * The path and query of `results_url`, so the SDK joins it to the configured base URL. The API
 * returns an absolute URL on its own host, which would bypass an emulator or a proxy.
 */
export function pathOf(resultsUrl: string, baseUrl?: string): string {
  if (baseUrl && resultsUrl.startsWith(`${baseUrl}/`)) {
    // Already on the configured host (possibly behind a path prefix): keep only what follows it.
    return resultsUrl.slice(baseUrl.length);
  }
  if (!/^[a-z][a-z0-9+.-]*:/i.test(resultsUrl)) {
    return resultsUrl.startsWith('/') ? resultsUrl : `/${resultsUrl}`;
  }
  const url = new URL(resultsUrl);
  return `${url.pathname}${url.search}`;
}

/** Routes the SDK's own log lines to ours, one level quieter, with the key scrubbed from text. */
function sdkLogger(logger: Logger, secrets: () => string[]) {
  const clean = (message: string, rest: unknown[]) =>
    [redactSecrets(message, secrets()), ...rest.map((r) => (typeof r === 'string' ? redactSecrets(r, secrets()) : r))] as const;
  return {
    error: (message: string, ...rest: unknown[]) => logger.error(...clean(message, rest)),
    warn: (message: string, ...rest: unknown[]) => logger.warn(...clean(message, rest)),
    info: (message: string, ...rest: unknown[]) => logger.debug(...clean(message, rest)),
    debug: (message: string, ...rest: unknown[]) => logger.trace(...clean(message, rest)),
  };
}

function describeCause(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause ? `${text}: ${cause}` : text;
}
