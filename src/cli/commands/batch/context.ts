import { createBatchApi } from '../../../core/api/anthropicBatchApi';
import { DEFAULT_API_TIMEOUT_MS, withDeadlines } from '../../../core/api/deadlineApi';
import type { BatchApi } from '../../../core/api/batchApi';
import { explainApiError } from '../../../core/api/errors';
import { FileJobStore } from '../../../core/tracking/jobStore';
import { describeReconcileReport, reconcileIntents } from '../../../core/tracking/reconcile';
import { type Clock, systemClock } from '../../../core/util/clock';
import type { Logger } from '../../../core/util/logger';
import { type CliIo, UsageError } from '../../io';
import { loadCliSettings } from '../../workspaceSettings';

/** The one-line hint printed when a command needs a key and none is set. */
export const NO_API_KEY_MESSAGE =
  'no Anthropic API key: set one with `export ANTHROPIC_API_KEY=...` (or "Batchlens: Set API Key" in VS Code)';

/** What every `batchlens batch` subcommand works with: the store of the workspace it runs in. */
export interface BatchCliContext {
  /** The workspace root: the directory the command runs from. */
  root: string;
  store: FileJobStore;
  clock: Clock;
  logger: Logger;
}

/**
 * Opens the workspace store at the current directory (`.batchlens/` is created on first write).
 * Log lines go to stderr: warnings always, debug detail with `BATCHLENS_DEBUG=1`.
 */
export function openBatchContext(io: CliIo, clock: Clock = systemClock): BatchCliContext {
  const logger = cliLogger(io);
  return { root: io.cwd, store: new FileJobStore(io.cwd, { clock, logger }), clock, logger };
}

/** `ANTHROPIC_API_KEY` from the command's environment, or undefined. */
export function apiKeyFrom(io: CliIo): string | undefined {
  const key = io.env.ANTHROPIC_API_KEY?.trim();
  return key ? key : undefined;
}

/**
 * A BatchApi over the SDK with `ANTHROPIC_API_KEY` and `ANTHROPIC_BASE_URL` (the emulator, a proxy)
 * from the command's environment. Throws `UsageError` (exit 2) naming how to set a key when none is.
 */
export function createCliBatchApi(io: CliIo, logger: Logger = cliLogger(io)): BatchApi {
  const apiKey = apiKeyFrom(io);
  if (!apiKey) throw new UsageError(NO_API_KEY_MESSAGE);
  const timeoutMs = cliTimeoutMs(io);
  const api = createBatchApi({ apiKey, env: io.env, logger, timeoutMs, workspaceId: workspaceIdFrom(io) });
  return withDeadlines(api, {
    timeoutMs,
    progressEveryMs: Math.min(5_000, Math.max(250, Math.round(timeoutMs / 4))),
    onWait: ({ what, elapsedMs }) => io.stderr(`batchlens: still waiting for the Anthropic API (${what}): ${Math.round(elapsedMs / 1000)} s of ${Math.round(timeoutMs / 1000)} s...\n`),
  });
}

/** Environment variable the batch commands' `--timeout SECONDS` flag is passed through. */
export const TIMEOUT_ENV = 'BATCHLENS_TIMEOUT_SECONDS';

/** `--timeout` (via `BATCHLENS_TIMEOUT_SECONDS`), else `batchlens.apiTimeoutSeconds`, else 120 s. */
export function cliTimeoutMs(io: CliIo): number {
  const flag = io.env[TIMEOUT_ENV];
  if (flag !== undefined && flag !== '') return parseTimeoutSeconds(flag, TIMEOUT_ENV) * 1000;
  const setting = loadCliSettings({ cwd: io.cwd, stderr: () => undefined }).apiTimeoutSeconds;
  return setting !== undefined ? setting * 1000 : DEFAULT_API_TIMEOUT_MS;
}

/** A number of seconds in (0, 3600]; decimals allowed. @throws UsageError naming `flag`. */
export function parseTimeoutSeconds(text: string, flag = '--timeout'): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0) || value > 3600) {
    throw new UsageError(`${flag} must be a number of seconds above 0 and at most 3600 (got '${text}')`);
  }
  return value;
}

/**
 * The Anthropic workspace batch commands act on: `--workspace-id` (the `batch` group passes it on as
 * `BATCHLENS_WORKSPACE_ID`), else that variable, else `batchlens.workspaceId` in the workspace's
 * settings; undefined = the key's default workspace.
 */
export function workspaceIdFrom(io: CliIo): string | undefined {
  const fromEnv = io.env[WORKSPACE_ID_ENV]?.trim();
  return fromEnv || loadCliSettings({ cwd: io.cwd, stderr: io.stderr }).workspaceId?.trim() || undefined;
}

/** The environment variable that carries `--workspace-id` to the subcommand (and can be set directly in CI). */
export const WORKSPACE_ID_ENV = 'BATCHLENS_WORKSPACE_ID';

/**
 * Settles submission intents an interrupted run left behind (see `reconcileIntents`) and tells the
 * user on stderr what it recovered. Run at the start of every batch command that has an API.
 * A failure to reach the API is reported and does not stop the command.
 */
export async function reconcileBeforeCommand(context: BatchCliContext, api: BatchApi, io: CliIo, signal?: AbortSignal): Promise<void> {
  try {
    const report = await reconcileIntents({ store: context.store, api, clock: context.clock, logger: context.logger, signal });
    const line = describeReconcileReport(report);
    if (line) io.stderr(`${line}\n`);
  } catch (error) {
    if (signal?.aborted) return;
    io.stderr(`Batchlens: could not check interrupted submissions: ${explainApiError(error)}\n`);
  }
}

function cliLogger(io: CliIo): Logger {
  const debug = io.env.BATCHLENS_DEBUG === '1';
  const line = (level: string, message: string | Error) => io.stderr(`[${level}] ${message instanceof Error ? message.message : message}\n`);
  return {
    trace: () => undefined,
    debug: (message) => (debug ? line('debug', message) : undefined),
    info: (message) => (debug ? line('info', message) : undefined),
    warn: (message) => line('warn', message),
    error: (message) => line('error', message),
  };
}
