import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { runCli } from '../../src/cli/main';
import { FileJobStore } from '../../src/core/tracking/jobStore';
import { type Emulator, createEmulator } from '../emulator/emulator';
import { type FaultProxy, createFaultProxy } from '../emulator/faultProxy';

export const TEST_KEY = 'sk-ant-test-safety';

/** One emulator, a fault proxy in front of it, and a workspace of `files` small text files under `src/`. */
export interface Rig {
  emulator: Emulator;
  proxy: FaultProxy;
  root: string;
  files: string[];
  close(): Promise<void>;
}

export async function createRig(options: { files?: number; prefix?: string; emulator?: Emulator } = {}): Promise<Rig> {
  const emulator = options.emulator ?? (await createEmulator({ speed: 1 }));
  const proxy = await createFaultProxy(emulator.url);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-safety-'));
  const files: string[] = [];
  for (let index = 0; index < (options.files ?? 4); index++) {
    const file = `src/${options.prefix ?? 'note'}${index}.md`;
    await fs.mkdir(path.join(root, 'src'), { recursive: true });
    await fs.writeFile(path.join(root, file), `Note ${index} of ${options.prefix ?? 'note'}: the plan, part ${index}.\n`);
    files.push(file);
  }
  return {
    emulator,
    proxy,
    root,
    files,
    async close() {
      await proxy.close();
      if (!options.emulator) await emulator.close();
    },
  };
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process in the rig's workspace, through the proxy (or `baseUrl`), with a short API timeout. */
export async function cli(rig: Rig, argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const io = {
    out: '',
    err: '',
    cwd: rig.root,
    env: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: rig.proxy.url, BATCHLENS_TIMEOUT_SECONDS: '1', ...env } as NodeJS.ProcessEnv,
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err };
}

/** Every batch the emulator holds (asked directly, not through the proxy). */
export async function emulatorBatches(emulator: Emulator): Promise<MessageBatch[]> {
  const client = new Anthropic({ apiKey: TEST_KEY, baseURL: emulator.url, maxRetries: 0 });
  const batches: MessageBatch[] = [];
  for await (const batch of client.messages.batches.list({ limit: 100 })) batches.push(batch);
  return batches;
}

/** Ends every batch the emulator still runs (as time passing would). */
export async function endAll(emulator: Emulator): Promise<void> {
  for (const batch of await emulatorBatches(emulator)) {
    if (batch.processing_status !== 'ended') emulator.admin.endBatch(batch.id);
  }
}

/** What a fault cost, counted from the emulator, the store and the files on disk. All zeros is the goal. */
export interface Damage {
  /** Batches on the emulator no job records (billed, never downloaded), plus jobs left with an unresolved intent. */
  lostJobs: number;
  /** Rows the emulator received more than once (each file billed twice). */
  duplicateBatches: number;
  /** Files with no recorded outcome after recovery. */
  rowsLost: number;
  /** Raw result lines beyond one per row. */
  rowsDuplicated: number;
}

export async function measureDamage(rig: Rig): Promise<Damage> {
  const batches = await emulatorBatches(rig.emulator);
  const jobs = await new FileJobStore(rig.root).list();
  const recorded = new Set(jobs.flatMap((job) => job.batches.map((record) => record.batchId)).filter(Boolean));
  const orphans = batches.filter((batch) => !recorded.has(batch.id)).length;
  const openIntents = jobs.filter((job) => job.batches.some((record) => !record.batchId && !record.notSubmitted)).length;
  const sentRows = batches.reduce((sum, batch) => sum + Object.values(batch.request_counts).reduce((a, b) => a + b, 0), 0);
  const outcomes = new Set(jobs.flatMap((job) => Object.entries(job.rows).filter(([, attempts]) => attempts.length > 0).map(([customId]) => `${job.id}/${customId}`)));
  const withOutcome = new Set<string>();
  for (const job of jobs) {
    for (const entry of job.manifest) if (outcomes.has(`${job.id}/${entry.customId}`)) withOutcome.add(entry.relativePath);
  }
  let rawLines = 0;
  for (const job of jobs) {
    for (const record of job.batches.filter((candidate) => candidate.batchId)) {
      const raw = path.join(rig.root, '.batchlens', 'results', job.id, `${record.batchId}.jsonl`);
      const text = await fs.readFile(raw, 'utf8').catch(() => '');
      rawLines += text.split('\n').filter(Boolean).length;
    }
  }
  return {
    lostJobs: orphans + openIntents,
    duplicateBatches: Math.max(0, sentRows - rig.files.length),
    rowsLost: rig.files.filter((file) => !withOutcome.has(file)).length,
    rowsDuplicated: Math.max(0, rawLines - withOutcome.size),
  };
}

/** The first line of what a command printed on stderr, for the tables. */
export function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find(Boolean) ?? '';
}

/** A loopback port nothing listens on (bound, then closed), for "connection refused". */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
