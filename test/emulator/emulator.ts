import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { invalidRequest, notFound, type ApiErrorSpec } from './apiError';
import { FaultSet, parseFaults, type ActiveFault, type FaultRule } from './faults';
import { randomId } from './ids';
import { catalogModels, findServedModel, modelInfo } from './models';
import { flattenPrompt } from './prompt';
import { BatchStore, DEFAULT_WORKSPACE, paginate, type StoreResult, type WorkspaceScope } from './store';
import { validateCreateBody, validateForVersion } from './validation';

/** Request size limits of the real API (reference §2, §6). */
export const MAX_BATCH_BYTES = 256 * 1024 * 1024;
export const MAX_COUNT_TOKENS_BYTES = 32 * 1024 * 1024;
/** The Messages endpoint's request size limit, like count_tokens's (reference §2). */
export const MAX_MESSAGES_BYTES = 32 * 1024 * 1024;
export const MAX_REQUESTS_PER_BATCH = 100_000;
const MAX_OTHER_BYTES = 1024 * 1024;
/** The SDK's default speed-up: a batch of 3 requests ends about 3 s after creation. */
export const DEFAULT_SPEED = 100;

export interface EmulatorOptions {
  /** Time source (milliseconds since the epoch); `admin.advance()` adds to it. Default: `Date.now`. */
  clock?: { now(): number };
  /** How many times faster than the emulated processing time batches run. Default 100. */
  speed?: number;
  faults?: FaultRule[];
  /** JSON file the state is written to on every change and loaded from at start. */
  snapshotFile?: string;
  /** Accept only these keys. Default: any key starting with `sk-ant-` except `sk-ant-revoked…`. */
  apiKeys?: string[];
  port?: number;
  host?: string;
  /** The origin written into `results_url` (default: the emulator's own URL), e.g. to test that clients ignore it. */
  resultsBaseUrl?: string;
  limits?: { maxBatchBytes?: number; maxRequestsPerBatch?: number; maxCountTokensBytes?: number };
  /** One line per API request (method, path, status, duration); never headers or keys. */
  log?: (line: string) => void;
}

/** One request as the emulator saw it, for tests that count attempts. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** HTTP status sent, or `reset` when a fault destroyed the connection. */
  status: number | 'reset';
  /** `x-stainless-retry-count` sent by the SDK (0 on the first attempt). */
  retryCount: number;
  /** The `anthropic-version` header as sent. */
  anthropicVersion?: string;
}

export interface EmulatorAdmin {
  setFaults(rules: FaultRule[]): void;
  addFaults(rules: FaultRule[]): void;
  clearFaults(): void;
  faults(): ActiveFault[];
  /** Moves the emulator's clock forward. */
  advance(ms: number): void;
  /** Ends a batch now (processing its remaining rows, or canceling them if it was canceling). */
  endBatch(id: string): MessageBatch;
  /** The emulator's current time in ms. */
  now(): number;
  state(): unknown;
  requests(): RecordedRequest[];
  clearRequests(): void;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`, the base URL to give the SDK. */
  url: string;
  port: number;
  admin: EmulatorAdmin;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly spec: ApiErrorSpec) {
    super(spec.message);
  }
}

/** Starts the Message Batches emulator (see README, "Local API emulator"). */
export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? { now: () => Date.now() };
  const faults = new FaultSet(options.faults ?? []);
  const store = new BatchStore({ now: () => clock.now(), speed: options.speed ?? DEFAULT_SPEED, faults, snapshotFile: options.snapshotFile });
  const limits = {
    maxBatchBytes: options.limits?.maxBatchBytes ?? MAX_BATCH_BYTES,
    maxRequests: options.limits?.maxRequestsPerBatch ?? MAX_REQUESTS_PER_BATCH,
    maxCountTokensBytes: options.limits?.maxCountTokensBytes ?? MAX_COUNT_TOKENS_BYTES,
  };
  const recorded: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const log = options.log ?? (() => undefined);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer((req, res) => {
    const started = Date.now();
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendError(res, error.spec);
      } else if (!res.headersSent) {
        sendError(res, { status: 500, type: 'api_error', message: `Internal server error (emulator: ${error instanceof Error ? error.message : String(error)})` });
      } else {
        res.destroy();
      }
    });
    res.on('finish', () => {
      if (!req.url?.startsWith('/_admin/')) {
        log(`${req.method} ${req.url} -> ${res.statusCode} (${Date.now() - started} ms)`);
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path.startsWith('/_admin/')) {
      await handleAdmin(req, res, method, path);
      return;
    }
    const record: RecordedRequest = { method, path, status: 0, retryCount: Number(req.headers['x-stainless-retry-count'] ?? 0) || 0 };
    const sentVersion = req.headers['anthropic-version'];
    if (typeof sentVersion === 'string') record.anthropicVersion = sentVersion;
    recorded.push(record);
    res.on('finish', () => (record.status = res.statusCode));

    const decision = faults.forRequest(method, path);
    if (decision.latencyMs > 0) {
      await sleep(decision.latencyMs);
      if (res.destroyed) {
        return;
      }
    }
    if (decision.reset) {
      record.status = 'reset';
      log(`${method} ${path} -> connection reset (fault)`);
      req.socket.destroy();
      return;
    }
    if (decision.error) {
      const headers: Record<string, string> = {};
      if (decision.error.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(decision.error.retryAfterSeconds);
      }
      sendError(res, { status: decision.error.status, type: decision.error.errorType, message: decision.error.message, errorCode: decision.error.errorCode }, headers);
      return;
    }

    authenticate(req);
    const version = req.headers['anthropic-version'];
    if (typeof version !== 'string' || version.length === 0) {
      throw new HttpError(invalidRequest('anthropic-version: header is required'));
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) {
      throw new HttpError(invalidRequest(`anthropic-version: invalid version "${version}"`));
    }
    await route(req, res, method, path, url.searchParams, version);
  }

  function authenticate(req: IncomingMessage): void {
    const header = req.headers['x-api-key'];
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers['authorization'] ?? '')?.[1];
    const key = (typeof header === 'string' ? header : undefined) ?? bearer;
    if (!key) {
      throw new HttpError({ status: 401, type: 'authentication_error', message: 'x-api-key header is required' });
    }
    const accepted = options.apiKeys
      ? options.apiKeys.includes(key)
      : key.startsWith('sk-ant-') && !key.startsWith('sk-ant-revoked');
    if (!accepted) {
      throw new HttpError({ status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams, version: string): Promise<void> {
    const batchPath = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/.exec(path);
    const workspace = workspaceScope(req);
    if (path === '/v1/messages/batches' && method === 'POST') {
      const body = await readJson(req, limits.maxBatchBytes);
      const requests = validateCreateBody(body, limits.maxRequests);
      if (!Array.isArray(requests)) {
        throw new HttpError(requests);
      }
      sendJson(res, 200, store.create(requests, workspace, version));
      return;
    }
    if (path === '/v1/messages/batches' && method === 'GET') {
      sendResult(res, store.list(listQuery(query), workspace));
      return;
    }
    if (batchPath) {
      const [, id, action] = batchPath;
      if (!action && method === 'GET') {
        sendResult(res, store.retrieve(id, workspace));
        return;
      }
      if (!action && method === 'DELETE') {
        sendResult(res, store.delete(id, workspace));
        return;
      }
      if (action === '/cancel' && method === 'POST') {
        sendResult(res, store.cancel(id, workspace));
        return;
      }
      if (action === '/results' && method === 'GET') {
        await streamResults(res, id, path, workspace);
        return;
      }
    }
    if (path === '/v1/messages' && method === 'POST') {
      sendResult(res, store.message(requestBody(await readJson(req, MAX_MESSAGES_BYTES)), version));
      return;
    }
    if (path === '/v1/messages/count_tokens' && method === 'POST') {
      // Not a tokenizer: the count is Batchlens's own estimate, and the response says so.
      sendJson(res, 200, countTokens(await readJson(req, limits.maxCountTokensBytes), version), { [EMULATED_COUNT_HEADER]: EMULATED_COUNT_NOTE });
      return;
    }
    if (path === '/v1/models' && method === 'GET') {
      sendResult(res, listModels(query));
      return;
    }
    const modelPath = /^\/v1\/models\/([^/]+)$/.exec(path);
    if (modelPath && method === 'GET') {
      const model = catalogModels(store.now()).find((m) => m.entry.id === modelPath[1] || m.entry.aliases.includes(modelPath[1]));
      sendResult(res, model ? { ok: modelInfo(model) } : { error: notFound(`model: ${modelPath[1]}`) });
      return;
    }
    throw new HttpError(notFound(`Not found: ${method} ${path}`));
  }

  async function streamResults(res: ServerResponse, id: string, path: string, workspace: WorkspaceScope): Promise<void> {
    const rows = store.results(id, workspace);
    if ('error' in rows) {
      throw new HttpError(rows.error);
    }
    const cut = faults.forResults(path);
    res.writeHead(200, { 'content-type': 'application/x-jsonl', 'request-id': randomId('req_') });
    for (const [index, row] of rows.ok.entries()) {
      const line = `${JSON.stringify(row)}\n`;
      if (cut && index === cut.afterLines) {
        const half = Buffer.from(line).subarray(0, Math.max(1, Math.floor(Buffer.byteLength(line) / 2)));
        await new Promise<void>((resolve) => res.write(half, () => resolve()));
        log(`GET ${path} -> results cut after ${cut.afterLines} lines (fault, ${cut.mode})`);
        if (cut.mode === 'end') {
          res.end();
        } else {
          res.socket?.destroy();
        }
        return;
      }
      if (res.destroyed) {
        return;
      }
      if (!res.write(line)) {
        // A client that goes away never drains: stop waiting when the response closes. Both listeners
        // are removed again, or a long download piles up one pair per full socket buffer.
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    res.end();
  }

  function countTokens(body: unknown, version: string): { input_tokens: number } {
    const params = requestBody(body);
    const removed = validateForVersion(params, version);
    if (removed) {
      throw new HttpError(removed);
    }
    if (typeof params['model'] !== 'string') {
      throw new HttpError(invalidRequest('model: Field required'));
    }
    if (!findServedModel(params['model'], store.now())) {
      throw new HttpError(notFound(`model: ${params['model']}`));
    }
    if (!Array.isArray(params['messages'])) {
      throw new HttpError(invalidRequest('messages: Field required'));
    }
    return { input_tokens: flattenPrompt(params).totalTokens };
  }

  function listModels(query: URLSearchParams): StoreResult<unknown> {
    const wanted = [...query.getAll('lifecycle'), ...query.getAll('lifecycle[]')];
    const lifecycles = new Set(wanted.length > 0 ? wanted : ['active', 'deprecated']);
    const infos = catalogModels(store.now()).map(modelInfo).filter((info) => lifecycles.has(info.lifecycle));
    const page = paginate(infos, (info) => info.id, listQuery(query));
    if ('error' in page) {
      return page;
    }
    const data = page.ok.items;
    return { ok: { data, has_more: page.ok.hasMore, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null } };
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
    if (path === '/_admin/state' && method === 'GET') {
      sendJson(res, 200, { ...(store.debugState() as object), faults: faults.list(), requestsSeen: recorded.length });
    } else if (path === '/_admin/faults' && method === 'GET') {
      sendJson(res, 200, { faults: faults.list() });
    } else if (path === '/_admin/faults' && method === 'POST') {
      const rules = parseAdminFaults(await readJson(req, MAX_OTHER_BYTES));
      if (new URL(req.url ?? '/', 'http://emulator').searchParams.get('append') === 'true') {
        faults.add(rules);
      } else {
        faults.set(rules);
      }
      sendJson(res, 200, { faults: faults.list() });
    } else if (path === '/_admin/faults' && method === 'DELETE') {
      faults.set([]);
      sendJson(res, 200, { faults: [] });
    } else if (path === '/_admin/advance' && method === 'POST') {
      const body = (await readJson(req, MAX_OTHER_BYTES)) as { ms?: unknown };
      if (typeof body?.ms !== 'number' || body.ms < 0) {
        throw new HttpError(invalidRequest('ms: a non-negative number of milliseconds is required'));
      }
      store.advance(body.ms);
      sendJson(res, 200, { now: new Date(store.now()).toISOString() });
    } else if (/^\/_admin\/batches\/[^/]+\/end$/.test(path) && method === 'POST') {
      sendResult(res, store.endNow(path.split('/')[3]));
    } else if (path === '/_admin/requests' && method === 'GET') {
      sendJson(res, 200, { requests: recorded });
    } else {
      throw new HttpError(notFound(`Not found: ${method} ${path}`));
    }
  }

  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
  store.resultsBaseUrl = () => options.resultsBaseUrl?.replace(/\/+$/, '') ?? url;

  const admin: EmulatorAdmin = {
    setFaults: (rules) => faults.set(parseFaults(rules)),
    addFaults: (rules) => faults.add(parseFaults(rules)),
    clearFaults: () => faults.set([]),
    faults: () => faults.list(),
    advance: (ms) => store.advance(ms),
    endBatch: (id) => {
      const ended = store.endNow(id);
      if ('error' in ended) {
        throw new Error(ended.error.message);
      }
      return ended.ok;
    },
    now: () => store.now(),
    state: () => store.debugState(),
    requests: () => recorded.map((r) => ({ ...r })),
    clearRequests: () => {
      recorded.length = 0;
    },
  };

  return {
    url,
    port: address.port,
    admin,
    close: async () => {
      for (const timer of timers) {
        clearTimeout(timer);
      }
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseAdminFaults(body: unknown): FaultRule[] {
  try {
    return parseFaults(body);
  } catch (error) {
    throw new HttpError(invalidRequest(error instanceof Error ? error.message : String(error)));
  }
}

/**
 * The workspace a request acts on: the `anthropic-workspace-id` header (the SDK's `workspace_id`
 * parameter), else the key's default workspace. Batches of one workspace are invisible from another.
 */
function workspaceScope(req: IncomingMessage): WorkspaceScope {
  const header = req.headers['anthropic-workspace-id'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined) {
    return DEFAULT_WORKSPACE;
  }
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(value)) {
    throw new HttpError(invalidRequest(`anthropic-workspace-id: invalid workspace id "${value.slice(0, 40)}"`));
  }
  return value;
}

function listQuery(query: URLSearchParams): { limit: number; afterId?: string; beforeId?: string } {
  const raw = query.get('limit');
  const limit = raw === null ? 20 : Number(raw);
  if (!Number.isInteger(limit)) {
    throw new HttpError(invalidRequest('limit: Input should be a valid integer'));
  }
  if (limit < 1) {
    throw new HttpError(invalidRequest('limit: Input should be greater than or equal to 1'));
  }
  if (limit > 1000) {
    throw new HttpError(invalidRequest('limit: Input should be less than or equal to 1000'));
  }
  return { limit, afterId: query.get('after_id') ?? undefined, beforeId: query.get('before_id') ?? undefined };
}

/** Reads a JSON body; past `maxBytes` it keeps draining (so the client can read the answer) and fails with 413. */
async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total <= maxBytes && declared <= maxBytes) {
      chunks.push(chunk);
    }
  }
  if (total > maxBytes || declared > maxBytes) {
    throw new HttpError({
      status: 413,
      type: 'request_too_large',
      message: `Request exceeds the maximum allowed number of bytes (${maxBytes}).`,
    });
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(invalidRequest('The request body is not valid JSON.'));
  }
}

/** Every count_tokens answer carries this header: the figure is emulated, not a real tokenizer's. */
export const EMULATED_COUNT_HEADER = 'x-batchlens-emulated';
const EMULATED_COUNT_NOTE = 'count_tokens is emulated with the Batchlens offline token estimator';

/** A Messages-shaped body (messages, count_tokens) must be a JSON object. */
function requestBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(invalidRequest('Input should be a valid dictionary'));
  }
  return body as Record<string, unknown>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const requestId = randomId('req_');
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': requestId,
    ...extraHeaders,
  });
  res.end(text);
}

function sendError(res: ServerResponse, spec: ApiErrorSpec, extraHeaders: Record<string, string> = {}): void {
  const requestId = randomId('req_');
  const error = spec.errorCode ? { type: spec.type, message: spec.message, details: { error_code: spec.errorCode } } : { type: spec.type, message: spec.message };
  const text = JSON.stringify({ type: 'error', error, request_id: requestId });
  res.writeHead(spec.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': requestId,
    ...extraHeaders,
  });
  res.end(text);
}

function sendResult<T>(res: ServerResponse, result: StoreResult<T>): void {
  if ('error' in result) {
    sendError(res, result.error);
  } else {
    sendJson(res, 200, result.ok);
  }
}
