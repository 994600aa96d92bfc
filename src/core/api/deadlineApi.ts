import type { BatchApi, StreamedJsonBody } from './batchApi';
import { BatchApiError } from './errors';

/** Default time one API call may take before Batchlens gives up on it (`batchlens.apiTimeoutSeconds`). */
export const DEFAULT_API_TIMEOUT_MS = 120_000;

export interface DeadlineOptions {
  /** How long one call (or, for streams, the wait for the next item) may take. */
  timeoutMs: number;
  /** Called every `progressEveryMs` while a call is still waiting, so a person sees why nothing happens. */
  onWait?: (wait: { what: string; elapsedMs: number; timeoutMs: number }) => void;
  progressEveryMs?: number;
}

/**
 * Wraps a `BatchApi` so that no call can wait forever: each call (and each step of a stream) gets
 * its own deadline; when it passes, the request is aborted and the call rejects with a
 * `BatchApiError` of kind `timeout` (a results stream rejects with kind `connection` and a cursor,
 * so the download resumes where it stopped). While a call waits, `onWait` reports progress.
 */
export function withDeadlines(api: BatchApi, options: DeadlineOptions): BatchApi {
  const run = <T>(what: string, signal: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>) =>
    withDeadline(what, options, signal, call);

  return {
    create: (requests, opts) => run('create batch', opts?.signal, (signal) => api.create(requests, { ...opts, signal })),
    retrieve: (batchId, opts) => run(`retrieve ${batchId}`, opts?.signal, (signal) => api.retrieve(batchId, { ...opts, signal })),
    listPage: (opts) => run('list batches', opts?.signal, (signal) => api.listPage({ ...opts, signal })),
    listAll: (opts) => guardStream('list batches', options, opts?.signal, (signal) => api.listAll({ ...opts, signal }), () => undefined),
    cancel: (batchId, opts) => run(`cancel ${batchId}`, opts?.signal, (signal) => api.cancel(batchId, { ...opts, signal })),
    delete: (batchId, opts) => run(`delete ${batchId}`, opts?.signal, (signal) => api.delete(batchId, { ...opts, signal })),
    results: (batchId, opts) => {
      const start = opts?.resumeFrom?.linesDelivered ?? 0;
      return guardStream(`results of ${batchId}`, options, opts?.signal, (signal) => api.results(batchId, { ...opts, signal }), (delivered) =>
        new BatchApiError({
          kind: 'connection',
          message: `The results download of ${batchId} stalled for ${seconds(options.timeoutMs)} after ${start + delivered} lines.`,
          cursor: { linesDelivered: start + delivered },
        }));
    },
    countTokens: (params, opts) => run('count tokens', opts?.signal, (signal) => api.countTokens(params, { ...opts, signal })),
    listModels: (opts) => run('list models', opts?.signal, (signal) => api.listModels({ ...opts, signal })),
    // The fast paths (a create body sent as is, the raw results bytes) keep their deadlines too.
    ...(api.createFromJson
      ? { createFromJson: (body: string | Uint8Array | StreamedJsonBody, opts?: { signal?: AbortSignal }) => run('create batch', opts?.signal, (signal) => api.createFromJson!(body, { ...opts, signal })) }
      : {}),
    ...(api.resultsBytes
      ? {
          resultsBytes: (batchId: string, opts?: { signal?: AbortSignal }) =>
            guardStream(`results of ${batchId}`, options, opts?.signal, (signal) => api.resultsBytes!(batchId, { ...opts, signal }), () =>
              new BatchApiError({ kind: 'connection', message: `The results download of ${batchId} stalled for ${seconds(options.timeoutMs)}.` })),
        }
      : {}),
  };
}

function timeoutError(what: string, timeoutMs: number): BatchApiError {
  return new BatchApiError({ kind: 'timeout', message: `No answer from the Anthropic API within ${seconds(timeoutMs)} (${what}).` });
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Runs `call` with a signal that aborts when the caller's does or when the deadline passes; the
 * returned promise settles at the deadline even if the call ignores its signal.
 */
async function withDeadline<T>(what: string, options: DeadlineOptions, outer: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>, onTimeout?: () => Error): Promise<T> {
  const controller = new AbortController();
  const forward = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', forward, { once: true });
  if (outer?.aborted) controller.abort(outer.reason);
  const started = Date.now();
  let deadline: NodeJS.Timeout | undefined;
  let progress: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    deadline = setTimeout(() => {
      const error = onTimeout?.() ?? timeoutError(what, options.timeoutMs);
      controller.abort(error);
      reject(error);
    }, options.timeoutMs);
  });
  if (options.onWait) {
    const every = options.progressEveryMs ?? 5_000;
    progress = setInterval(() => options.onWait?.({ what, elapsedMs: Date.now() - started, timeoutMs: options.timeoutMs }), every);
  }
  // The caller's abort settles the call at once too, even if the request ignores its signal.
  let stop: (() => void) | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    stop = () => reject(new BatchApiError({ kind: 'aborted', message: 'The request was cancelled.' }));
    if (outer?.aborted) stop();
    else outer?.addEventListener('abort', stop, { once: true });
  });
  cancelled.catch(() => undefined);
  const attempt = call(controller.signal);
  attempt.catch(() => undefined);
  try {
    return await Promise.race([attempt, expired, cancelled]);
  } finally {
    clearTimeout(deadline);
    clearInterval(progress);
    outer?.removeEventListener('abort', forward);
    if (stop) outer?.removeEventListener('abort', stop);
  }
}

/**
 * An async iterable whose every step has the deadline; `onStall(delivered)` builds the error for a
 * stalled step. One timer serves the whole stream (refreshed per step) so a 100k-line download pays
 * no per-line timer setup.
 */
function guardStream<T>(
  what: string,
  options: DeadlineOptions,
  outer: AbortSignal | undefined,
  open: (signal: AbortSignal) => AsyncIterable<T>,
  onStall: (delivered: number) => Error | undefined,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const controller = new AbortController();
      let delivered = 0;
      let rejectStep: ((error: Error) => void) | undefined;
      let stepStarted = 0;
      let failure: Error | undefined;
      const fail = (error: Error) => {
        failure ??= error;
        controller.abort(error);
        rejectStep?.(failure);
      };
      const onOuterAbort = () => fail(new BatchApiError({ kind: 'aborted', message: 'The request was cancelled.' }));
      outer?.addEventListener('abort', onOuterAbort, { once: true });
      const timer = setTimeout(() => fail(onStall(delivered) ?? timeoutError(what, options.timeoutMs)), options.timeoutMs);
      const every = options.progressEveryMs ?? 5_000;
      const progress = options.onWait
        ? setInterval(() => {
            const waited = Date.now() - stepStarted;
            if (rejectStep && waited >= every) options.onWait?.({ what, elapsedMs: waited, timeoutMs: options.timeoutMs });
          }, every)
        : undefined;
      const finish = () => {
        clearTimeout(timer);
        clearInterval(progress);
        outer?.removeEventListener('abort', onOuterAbort);
      };
      if (outer?.aborted) onOuterAbort();
      const iterator = open(controller.signal)[Symbol.asyncIterator]();
      return {
        async next() {
          if (failure) {
            finish();
            throw failure;
          }
          timer.refresh();
          stepStarted = Date.now();
          const stalled = new Promise<never>((_, reject) => (rejectStep = reject));
          const step = iterator.next();
          step.catch(() => undefined);
          try {
            const result = await Promise.race([step, stalled]);
            if (result.done) finish();
            else delivered += 1;
            return result;
          } catch (error) {
            finish();
            controller.abort();
            throw error;
          } finally {
            rejectStep = undefined;
          }
        },
        async return(value?: unknown) {
          finish();
          controller.abort();
          await iterator.return?.(value).catch(() => undefined);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
