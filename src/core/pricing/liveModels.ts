import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import type { ModelEntry } from './modelEntry';

/*
 * Live lifecycle: with a key, `GET /v1/models` says which models are active, deprecated or retired,
 * their dates, whether they take batches and their limits. It carries no prices, so prices stay
 * bundled. The answer is cached in a file, refreshed at most once per `maxAgeMs`, and a failed
 * refresh (offline, no key, an API error) falls back to the cache, then to the bundled catalog.
 */

/** What `GET /v1/models` says about one model. */
export interface LiveModelFacts {
  id: string;
  lifecycle: 'active' | 'deprecated' | 'retired';
  deprecatedAt?: string;
  retiresAt?: string;
  batch?: boolean;
  maxInputTokens?: number;
  maxTokens?: number;
}

export interface LiveModelsCache {
  /** ISO time of the successful fetch. */
  fetchedAt: string;
  models: LiveModelFacts[];
}

export interface LiveModelsResult {
  facts?: LiveModelsCache;
  /** Where the facts came from: a fetch now, the cache, or nothing (bundled data only). */
  origin: 'fetched' | 'cache' | 'none';
  /** Why a refresh did not happen or failed, for the user. */
  note?: string;
}

/** One day: lifecycle changes are announced weeks ahead. */
export const LIVE_MODELS_MAX_AGE_MS = 24 * 60 * 60 * 1000;
export const LIVE_MODELS_CACHE_FILE = path.join('.batchlens', 'models-cache.json');

function day(rfc3339: string | null | undefined): string | undefined {
  return typeof rfc3339 === 'string' && rfc3339.length >= 10 ? rfc3339.slice(0, 10) : undefined;
}

/** The facts Batchlens keeps from one `ModelInfo`. */
export function factsOf(info: ModelInfo): LiveModelFacts {
  const facts: LiveModelFacts = { id: info.id, lifecycle: info.lifecycle };
  const deprecatedAt = day(info.deprecated_at);
  const retiresAt = day(info.retires_at);
  if (deprecatedAt) facts.deprecatedAt = deprecatedAt;
  if (retiresAt) facts.retiresAt = retiresAt;
  const batch = (info.capabilities as { batch?: { supported?: unknown } } | null)?.batch?.supported;
  if (typeof batch === 'boolean') facts.batch = batch;
  if (typeof info.max_input_tokens === 'number') facts.maxInputTokens = info.max_input_tokens;
  if (typeof info.max_tokens === 'number') facts.maxTokens = info.max_tokens;
  return facts;
}

async function readCache(file: string): Promise<LiveModelsCache | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as LiveModelsCache;
    if (typeof parsed?.fetchedAt !== 'string' || !Array.isArray(parsed.models)) return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

async function writeCache(file: string, cache: LiveModelsCache): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(cache, null, 2)}\n`, 'utf8');
  await fs.rename(temp, file);
}

/**
 * The live facts, refreshed through `listModels` when the cache is older than `maxAgeMs` (or
 * `force`), else read from the cache. Never throws: a failed fetch returns the cache (or nothing)
 * with a note. `listModels` is undefined when there is no key.
 */
export async function loadLiveModels(options: {
  cacheFile: string;
  listModels?: () => Promise<ModelInfo[]>;
  nowMs: number;
  maxAgeMs?: number;
  force?: boolean;
}): Promise<LiveModelsResult> {
  const cached = await readCache(options.cacheFile);
  const age = cached ? options.nowMs - Date.parse(cached.fetchedAt) : Number.POSITIVE_INFINITY;
  const fresh = age >= 0 && age < (options.maxAgeMs ?? LIVE_MODELS_MAX_AGE_MS);
  if (!options.listModels) {
    return cached ? { facts: cached, origin: 'cache', note: 'no API key: lifecycle from the last refresh' } : { origin: 'none', note: 'no API key: bundled lifecycle data' };
  }
  if (cached && fresh && !options.force) return { facts: cached, origin: 'cache' };
  try {
    const models = (await options.listModels()).map(factsOf);
    const facts: LiveModelsCache = { fetchedAt: new Date(options.nowMs).toISOString(), models };
    try {
      await writeCache(options.cacheFile, facts);
    } catch {
      // A read-only workspace still gets the fresh facts for this run.
    }
    return { facts, origin: 'fetched' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return cached
      ? { facts: cached, origin: 'cache', note: `could not refresh from GET /v1/models (${reason}); using the refresh of ${cached.fetchedAt.slice(0, 10)}` }
      : { origin: 'none', note: `could not refresh from GET /v1/models (${reason}); using bundled lifecycle data` };
  }
}

/**
 * The entry with what the API said about it: lifecycle dates and state, context window and max
 * output (the API's limits win over the bundled ones). Prices are untouched.
 */
export function withLiveFacts(entry: ModelEntry, facts: LiveModelsCache): ModelEntry {
  const live = facts.models.find((model) => model.id === entry.id || entry.aliases.includes(model.id));
  if (!live) return entry;
  const asOf = facts.fetchedAt.slice(0, 10);
  const lifecycle = {
    base: entry.lifecycle.base,
    ...(entry.lifecycle.successor ? { successor: entry.lifecycle.successor } : {}),
    ...(live.deprecatedAt ? { deprecatedOn: live.deprecatedAt } : live.lifecycle !== 'active' && entry.lifecycle.deprecatedOn ? { deprecatedOn: entry.lifecycle.deprecatedOn } : {}),
    ...(live.retiresAt ? { retiresOn: live.retiresAt } : live.lifecycle === 'retired' ? { retiresOn: entry.lifecycle.retiresOn ?? asOf } : {}),
    source: `GET /v1/models (fetched ${facts.fetchedAt})`,
    asOf,
  };
  const updated: ModelEntry = { ...entry, lifecycle };
  if (live.maxInputTokens) updated.contextWindowTokens = live.maxInputTokens;
  if (live.maxTokens) updated.maxOutputTokens = live.maxTokens;
  if (live.batch !== undefined) updated.supportsBatch = live.batch;
  return updated;
}
