import type { BatchApi, BatchRequest, MessageBatch, StreamedJsonBody } from '../../../src/core/api/batchApi';
import { BatchApiError } from '../../../src/core/api/errors';

/** A manual clock for the core: `now` moves only when a test says so. */
export function manualClock(start = Date.parse('2026-11-22T08:00:00Z')) {
  const clock = {
    current: start,
    now: () => clock.current,
    sleep: async (ms: number) => {
      clock.current += ms;
    },
  };
  return clock;
}

/**
 * An in-memory BatchApi: create records the requests and returns an in-progress batch created "now"
 * (by the given clock, optionally shifted to mimic the server's clock); list is newest first.
 */
export function fakeBatchApi(options: { now?: () => number; failCreate?: BatchApiError[] } = {}) {
  const now = options.now ?? (() => Date.now());
  const batches: MessageBatch[] = [];
  const sent = new Map<string, BatchRequest[]>();
  const failures = [...(options.failCreate ?? [])];
  let counter = 0;
  let listCalls = 0;
  const api: BatchApi & { batches: MessageBatch[]; sent: Map<string, BatchRequest[]>; listCalls: () => number; countTokensCalls: number } = {
    batches,
    sent,
    listCalls: () => listCalls,
    countTokensCalls: 0,
    async create(requests) {
      const failure = failures.shift();
      if (failure) throw failure;
      counter++;
      const created = now();
      const batch: MessageBatch = {
        id: `msgbatch_fake${String(counter).padStart(4, '0')}`,
        type: 'message_batch',
        processing_status: 'in_progress',
        request_counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
        created_at: new Date(created).toISOString(),
        expires_at: new Date(created + 24 * 3600_000).toISOString(),
        ended_at: null,
        cancel_initiated_at: null,
        archived_at: null,
        results_url: null,
      };
      batches.push(batch);
      sent.set(batch.id, structuredClone(requests));
      return structuredClone(batch);
    },
    async retrieve(batchId) {
      const batch = batches.find((candidate) => candidate.id === batchId);
      if (!batch) throw new BatchApiError({ kind: 'not_found', message: `no ${batchId}` });
      return structuredClone(batch);
    },
    async listPage() {
      listCalls++;
      return { batches: [...batches].reverse(), hasMore: false, lastId: null };
    },
    listAll() {
      listCalls++;
      const snapshot = [...batches].reverse();
      return (async function* () {
        yield* snapshot;
      })();
    },
    async cancel(batchId) {
      return api.retrieve(batchId);
    },
    async delete() {},
    results() {
      return (async function* () {})();
    },
    async countTokens(params) {
      api.countTokensCalls++;
      return JSON.stringify(params).length;
    },
    async listModels() {
      return [];
    },
  };
  return api;
}

/** The text of a create body as `createFromJson` receives it (a streamed body is read to its end). */
export async function bodyText(body: string | Uint8Array | StreamedJsonBody): Promise<string> {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const parts: Buffer[] = [];
  const reader = body.stream().getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(Buffer.from(next.value));
  const bytes = Buffer.concat(parts);
  if (bytes.length !== body.byteLength) throw new Error(`a streamed body came out at ${bytes.length} bytes, declared ${body.byteLength}`);
  return bytes.toString('utf8');
}
