import type {
  BatchCreateParams,
  MessageBatch,
  MessageBatchIndividualResponse,
} from '@anthropic-ai/sdk/resources/messages/batches';
import type { MessageCountTokensParams } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';

export type { MessageBatch, MessageBatchIndividualResponse, ModelInfo };
export type BatchRequest = BatchCreateParams.Request;
export type CountTokensParams = MessageCountTokensParams;

/** One page of `GET /v1/messages/batches` (newest first). */
export interface BatchPage {
  batches: MessageBatch[];
  hasMore: boolean;
  /** Pass as `afterId` to get the next (older) page. */
  lastId: string | null;
}

/** Where a results download stopped, so a later call can resume without re-writing what was already read. */
export interface ResultsCursor {
  /** Complete lines already handed to the caller. */
  linesDelivered: number;
}

export interface ResultsStreamOptions {
  /** Skip the first `linesDelivered` complete lines (they were consumed by an earlier, cut download). */
  resumeFrom?: ResultsCursor;
  signal?: AbortSignal;
}

/**
 * Everything Batchlens asks of Anthropic's Message Batches API. The one implementation
 * (`anthropicBatchApi.ts`) goes through the official SDK; tests point it at the local emulator.
 * Every method rejects with a `BatchApiError` (see `errors.ts`), never a raw SDK error.
 */
export interface BatchApi {
  create(requests: BatchRequest[], options?: { signal?: AbortSignal }): Promise<MessageBatch>;
  /**
   * `create` with the body already serialized (`{"requests":[...]}`), sent as is: a 100k-request
   * batch is not turned back into objects and serialized again. A `StreamedJsonBody` is produced as it
   * is sent, so the body is never held whole. Optional; same failure rules as `create`.
   */
  createFromJson?(body: string | Uint8Array | StreamedJsonBody, options?: { signal?: AbortSignal }): Promise<MessageBatch>;
  retrieve(batchId: string, options?: { signal?: AbortSignal }): Promise<MessageBatch>;
  /** One page, newest first. */
  listPage(options?: { limit?: number; afterId?: string; signal?: AbortSignal }): Promise<BatchPage>;
  /** Every batch, newest first, following pagination lazily. */
  listAll(options?: { signal?: AbortSignal }): AsyncIterable<MessageBatch>;
  cancel(batchId: string, options?: { signal?: AbortSignal }): Promise<MessageBatch>;
  delete(batchId: string, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * The batch's results, one parsed JSONL row at a time, streamed (never the whole file in memory).
   * The download always goes to the configured base URL, whatever host `results_url` names.
   * A stream cut mid-line rejects with a `BatchApiError` of kind `connection` whose `cursor` says
   * how many complete lines were delivered; pass it back as `resumeFrom` to continue.
   */
  results(batchId: string, options?: ResultsStreamOptions): AsyncIterable<MessageBatchIndividualResponse>;
  /**
   * The batch's results JSONL exactly as served, in byte chunks, for saving to disk at network speed
   * before anything is parsed. A failure rejects with a `BatchApiError` (a cut stream: kind `connection`).
   * Optional: without it the results writer saves the rows of `results()` instead.
   */
  resultsBytes?(batchId: string, options?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>;
  countTokens(params: CountTokensParams, options?: { signal?: AbortSignal }): Promise<number>;
  listModels(options?: { signal?: AbortSignal }): Promise<ModelInfo[]>;
}

/**
 * A create body read as it is sent: its exact length in bytes (sent as `content-length`) and its
 * bytes, once, as a stream. A stream that errors stops before its last byte, so the API never sees a
 * whole body that is not the one meant.
 */
export interface StreamedJsonBody {
  readonly byteLength: number;
  stream(): ReadableStream<Uint8Array>;
}

/** Returns the API key to use, or undefined when none is set. Implemented by SecretStorage / env lookups. */
export type ApiKeyGetter = () => Promise<string | undefined>;
