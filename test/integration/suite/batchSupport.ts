// Helpers of the batch suites (batchSubmit, batchTracker). The integration runner starts a fresh
// Message Batches emulator per run, points `batchlens.apiBaseUrl` at it in the user settings and
// writes its URL into the harness config; the suites store the emulator's key themselves, inspect
// what the emulator received through its admin endpoints, and press dialog buttons through the
// runner's UI bridge (scripts/lib/uiBridge.mjs), because the extension API cannot.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Job } from '../../../src/core/jobs/jobModel';
import { FileJobStore } from '../../../src/core/tracking/jobStore';
import { batchlensExtension, waitFor, workspaceRoot } from './support';

/** Not a real key: the emulator accepts any key that starts with sk-ant-. */
export const EMULATOR_KEY = 'sk-ant-api03-integration-emulator-key-000000';

interface BatchHarnessConfig {
  emulatorUrl?: string;
  uiBridgeDir?: string;
}

function harnessConfig(): BatchHarnessConfig {
  const file = process.env.BATCHLENS_TEST_HARNESS_CONFIG;
  assert.ok(file, 'the batch suites run under scripts/run-integration.mjs, which starts the emulator (BATCHLENS_TEST_HARNESS_CONFIG is not set)');
  return JSON.parse(readFileSync(file, 'utf8')) as BatchHarnessConfig;
}

export function emulatorUrl(): string {
  const url = harnessConfig().emulatorUrl;
  assert.ok(url, 'the harness config names no emulatorUrl');
  return url;
}

/** What `batchlens.batchSelectedFiles` / `submitBatchQueue` resolve to: the extension's own type. */
export type { SubmitCommandResult as SubmitResult } from '../../../src/features/submit/submitArgs';

/** What `batchlens.refreshBatches` returns per job. */
export interface RootItem {
  jobId: string;
  label: string;
  description: string;
  contextValue: string;
}

/** One batch as `GET /_admin/state` shows it. */
export interface EmulatedBatch {
  id: string;
  processing_status: string;
  request_counts: Record<string, number>;
  rows: Array<{ custom_id: string; result: string }>;
}

async function admin(method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulatorUrl()}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `emulator ${method} ${route} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

/** Every batch the emulator holds, newest first. */
export async function emulatedBatches(): Promise<EmulatedBatch[]> {
  return ((await admin('GET', '/_admin/state')) as { batches: EmulatedBatch[] }).batches;
}

export async function emulatedBatch(id: string): Promise<EmulatedBatch> {
  const batch = (await emulatedBatches()).find((candidate) => candidate.id === id);
  assert.ok(batch, `the emulator has no batch ${id}`);
  return batch;
}

export async function setFaults(rules: unknown[]): Promise<void> {
  await admin('POST', '/_admin/faults', rules);
}

export async function clearFaults(): Promise<void> {
  await admin('DELETE', '/_admin/faults');
}

/** Stores the emulator's key through the command (the apiKey suite clears it, so each batch suite sets it). */
export async function useEmulatorKey(): Promise<void> {
  const extension = batchlensExtension();
  const api = (extension.isActive ? extension.exports : await extension.activate()) as { hasApiKey(): Promise<boolean> };
  await vscode.commands.executeCommand('batchlens.setApiKey', EMULATOR_KEY);
  await waitFor('the emulator key to be stored', async () => ((await api.hasApiKey()) ? true : undefined));
}

/** Removes the key again: with a key set, later suites' lenses would ask count_tokens for exact counts. */
export async function forgetEmulatorKey(): Promise<void> {
  await vscode.commands.executeCommand('batchlens.clearApiKey');
}

export function workspacePath(relativePath: string): string {
  return path.join(workspaceRoot().fsPath, ...relativePath.split('/'));
}

export function workspaceUri(relativePath: string): vscode.Uri {
  return vscode.Uri.file(workspacePath(relativePath));
}

/** The job record as the store holds it. */
export async function storedJob(jobId: string): Promise<Job> {
  const job = await new FileJobStore(workspaceRoot().fsPath).get(jobId);
  assert.ok(job, `no job ${jobId} in .batchlens/jobs/`);
  return job;
}

export function jobStore(): FileJobStore {
  return new FileJobStore(workspaceRoot().fsPath);
}

/** Runs `batchlens.refreshBatches` until the job's root item passes `accept`; returns that item. */
export async function refreshUntil(jobId: string, what: string, accept: (item: RootItem) => boolean, timeoutMs = 40_000): Promise<RootItem> {
  let last: RootItem | undefined;
  try {
    return await waitFor(`job ${jobId} to be ${what}`, async () => {
      const items = (await vscode.commands.executeCommand<RootItem[]>('batchlens.refreshBatches')) ?? [];
      last = items.find((item) => item.jobId === jobId);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return last && accept(last) ? last : undefined;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)}`, { cause: error });
  }
}

export function flagsOf(item: RootItem): string[] {
  return item.contextValue.split(' ');
}

export function hasFlag(flag: string): (item: RootItem) => boolean {
  return (item) => flagsOf(item).includes(flag);
}

/** The job node shape the tracker commands take from the tree (`{ kind, job }`). */
export async function jobNode(jobId: string): Promise<{ kind: 'job'; job: Job }> {
  return { kind: 'job', job: await storedJob(jobId) };
}

export type UiTarget = 'dialog' | 'notification' | 'quickpick';

let bridgeRequests = 0;

/**
 * Asks the runner to find a dialog, notification or quick pick whose text contains `contains`,
 * return its text and, when `button` is given, click that button (for a quick pick: the row).
 */
export async function ui(target: UiTarget, contains: string, button?: string, timeoutMs = 20_000): Promise<string> {
  const dir = harnessConfig().uiBridgeDir;
  assert.ok(dir, 'the harness config names no uiBridgeDir (the UI bridge needs scripts/run-integration.mjs)');
  mkdirSync(dir, { recursive: true });
  const id = `${process.pid}-${String(++bridgeRequests).padStart(4, '0')}`;
  const request = path.join(dir, `${id}.request.json`);
  writeFileSync(`${request}.partial`, JSON.stringify({ id, target, contains, button, timeoutMs }));
  renameSync(`${request}.partial`, request);
  const responseFile = path.join(dir, `${id}.response.json`);
  await waitFor(`the runner to answer "${target}: ${contains}"`, () => (existsSync(responseFile) ? true : undefined), timeoutMs + 10_000);
  const response = JSON.parse(readFileSync(responseFile, 'utf8')) as { ok: boolean; text?: string; error?: string };
  assert.ok(response.ok, `no ${target} containing "${contains}"${button ? ` with a "${button}" button` : ''}: ${response.error}`);
  return response.text ?? '';
}

/** Closes every notification, which settles the promise of any that a command still awaits. */
export async function clearNotifications(): Promise<void> {
  await vscode.commands.executeCommand('notifications.clearAll');
}

/** Closes every editor, so a test sees only what it opened. */
export async function closeEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Seconds-scale sleeps are fine here: batches run on the emulator's wall clock. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
