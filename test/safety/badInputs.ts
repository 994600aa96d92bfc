import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../src/cli/main';
import { type Emulator, createEmulator } from '../emulator/emulator';
import { type FaultProxy, createFaultProxy } from '../emulator/faultProxy';
import { TEST_KEY, closedPort } from './harness';

/** What a case's workspace holds besides `src/note0.md` and `src/note1.md`. */
type Setup = (root: string, env: CaseEnv) => Promise<void>;

interface CaseEnv {
  emulator: Emulator;
  proxy: FaultProxy;
  run(argv: string[], env?: Record<string, string>): Promise<{ code: number; out: string; err: string }>;
}

export interface BadInputCase {
  name: string;
  argv: string[];
  setup?: Setup;
  /** Environment on top of the key and the emulator's URL; `null` values remove a variable. */
  env?: Record<string, string | null> | ((env: CaseEnv) => Promise<Record<string, string | null>>);
  exit: number;
  message: RegExp;
}

export interface BadInputResult {
  name: string;
  command: string;
  exit: number;
  message: string;
  nothingSent: boolean;
  nothingLost: boolean;
  problems: string[];
}

const write = async (root: string, relative: string, content: string | Buffer) => {
  await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
  await fs.writeFile(path.join(root, relative), content);
};
const only = (relative: string, content: string | Buffer = 'secret=1\n'): Setup => async (root) => write(root, `only/${relative}`, content);
const template = (front: string): Setup => async (root) => write(root, '.batchlens/templates/custom.md', `---\nmodel: claude-sonnet-4-6\n${front}\n---\nSummarize {{file.path}}:\n{{file.content}}\n`);
const submitOnly = ['batch', 'submit', 'only', '--yes'];
const withJob: Setup = async (_root, env) => {
  const first = await env.run(['batch', 'submit', 'src', '--yes']);
  if (first.code !== 0) throw new Error(`setup submit failed: ${first.err}`);
};

export const BAD_INPUT_CASES: BadInputCase[] = [
  { name: 'no subcommand', argv: ['batch'], exit: 2, message: /missing subcommand/ },
  { name: 'unknown subcommand', argv: ['batch', 'frobnicate'], exit: 2, message: /unknown subcommand 'frobnicate'/ },
  { name: 'submit without paths', argv: ['batch', 'submit', '--yes'], exit: 2, message: /give at least one file or folder/ },
  { name: '--max-tokens 0', argv: ['batch', 'submit', 'src', '--yes', '--max-tokens', '0'], exit: 2, message: /--max-tokens must be a whole number of at least 1/ },
  { name: '--max-tokens abc', argv: ['batch', 'submit', 'src', '--yes', '--max-tokens', 'abc'], exit: 2, message: /--max-tokens must be a whole number/ },
  { name: '--max-file-bytes 1.5', argv: ['batch', 'submit', 'src', '--yes', '--max-file-bytes', '1.5'], exit: 2, message: /--max-file-bytes must be a whole number/ },
  { name: '--max-requests-per-batch 0', argv: ['batch', 'submit', 'src', '--yes', '--max-requests-per-batch', '0'], exit: 2, message: /--max-requests-per-batch must be a whole number/ },
  { name: 'unknown flag', argv: ['batch', 'submit', 'src', '--yes', '--fast'], exit: 2, message: /Unknown option '--fast'/ },
  { name: 'unknown template', argv: ['batch', 'submit', 'src', '--yes', '--template', 'nosuch'], exit: 2, message: /nosuch/ },
  { name: 'unknown model', argv: ['batch', 'submit', 'src', '--yes', '--model', 'claude-nonexistent-9'], exit: 2, message: /claude-nonexistent-9/ },
  { name: 'not a terminal, no --yes', argv: ['batch', 'submit', 'src'], exit: 2, message: /pass --yes to submit, or --dry-run/ },
  { name: 'no API key', argv: ['batch', 'submit', 'src', '--yes'], env: { ANTHROPIC_API_KEY: null }, exit: 2, message: /no Anthropic API key/ },
  { name: 'path that does not exist', argv: ['batch', 'submit', 'missing', '--yes'], exit: 1, message: /nothing to send.*missing unreadable/ },
  { name: 'path outside the workspace', argv: ['batch', 'submit', '..', '--yes'], exit: 1, message: /nothing to send.*ignored/ },
  { name: 'only a binary file', argv: submitOnly, setup: only('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0])), exit: 1, message: /only\/logo\.png binary/ },
  { name: 'only an empty file', argv: submitOnly, setup: only('empty.md', ''), exit: 1, message: /only\/empty\.md empty/ },
  { name: 'only a .env', argv: submitOnly, setup: only('.env'), exit: 1, message: /only\/\.env secret/ },
  { name: 'kubeconfig', argv: submitOnly, setup: only('kubeconfig'), exit: 1, message: /only\/kubeconfig secret/ },
  { name: '.kube/config', argv: submitOnly, setup: only('.kube/config'), exit: 1, message: /only\/\.kube\/config secret/ },
  { name: 'api_key.txt', argv: submitOnly, setup: only('api_key.txt'), exit: 1, message: /only\/api_key\.txt secret/ },
  { name: 'token.json', argv: submitOnly, setup: only('token.json'), exit: 1, message: /only\/token\.json secret/ },
  { name: '*service-account*.json', argv: submitOnly, setup: only('prod-service-account-key.json'), exit: 1, message: /service-account-key\.json secret/ },
  { name: '*adminsdk*.json', argv: submitOnly, setup: only('app-firebase-adminsdk-x1.json'), exit: 1, message: /adminsdk-x1\.json secret/ },
  { name: 'aws_credentials', argv: submitOnly, setup: only('aws_credentials'), exit: 1, message: /only\/aws_credentials secret/ },
  { name: 'a FIFO in the folder', argv: submitOnly, setup: async (root) => { await fs.mkdir(path.join(root, 'only')); execFileSync('mkfifo', [path.join(root, 'only', 'pipe')]); }, exit: 1, message: /only\/pipe special/ },
  { name: 'a FIFO named directly', argv: ['batch', 'submit', 'pipe', '--yes'], setup: async (root) => void execFileSync('mkfifo', [path.join(root, 'pipe')]), exit: 1, message: /pipe special/ },
  { name: 'a symlink to a FIFO', argv: submitOnly, setup: async (root) => { await fs.mkdir(path.join(root, 'only')); execFileSync('mkfifo', [path.join(root, 'fifo')]); await fs.symlink('../fifo', path.join(root, 'only', 'link')); }, exit: 1, message: /only\/link special/ },
  { name: 'a symlink out of the workspace', argv: submitOnly, setup: async (root) => { await fs.mkdir(path.join(root, 'only')); await fs.symlink(os.tmpdir(), path.join(root, 'only', 'out')); }, exit: 1, message: /only\/out ignored/ },
  { name: 'file over --max-file-bytes', argv: ['batch', 'submit', 'src', '--yes', '--max-file-bytes', '5'], exit: 1, message: /too-large/ },
  { name: 'output pattern climbing out (..)', argv: ['batch', 'submit', 'src', '--yes', '--template', 'custom'], setup: template('output: "../../escape/{{file.path}}.md"'), exit: 2, message: /outside the workspace .*Nothing was sent/ },
  { name: 'absolute output pattern', argv: ['batch', 'submit', 'src', '--yes', '--template', 'custom'], setup: template('output: "/tmp/{{file.path}}.md"'), exit: 2, message: /outside the workspace .*absolute/ },
  { name: 'unknown variable in output', argv: ['batch', 'submit', 'src', '--yes', '--template', 'custom'], setup: template('output: "{{file.stem}}.md"'), exit: 2, message: /unknown variable \{\{file\.stem\}\}/ },
  { name: '--timeout 0', argv: ['batch', 'list', '--timeout', '0'], exit: 2, message: /--timeout must be a number of seconds above 0/ },
  { name: '--timeout abc', argv: ['batch', 'status', 'x', '--timeout=abc'], exit: 2, message: /--timeout must be a number of seconds/ },
  { name: '--timeout without a value', argv: ['batch', 'list', '--timeout'], exit: 2, message: /--timeout needs a number of seconds/ },
  { name: 'status of an unknown job', argv: ['batch', 'status', 'job_nosuch'], exit: 2, message: /no job 'job_nosuch'/ },
  { name: 'status without a job', argv: ['batch', 'status'], exit: 2, message: /give exactly one job id/ },
  { name: 'results of an unknown job', argv: ['batch', 'results', 'job_nosuch'], exit: 2, message: /no job 'job_nosuch'/ },
  { name: 'cancel of an unknown job', argv: ['batch', 'cancel', 'job_nosuch'], exit: 2, message: /no job 'job_nosuch'/ },
  { name: 'retry of an unknown job', argv: ['batch', 'retry', 'job_nosuch'], exit: 2, message: /no job 'job_nosuch'/ },
  { name: '--interval-ms 0', argv: ['batch', 'status', 'job_', '--wait', '--interval-ms', '0'], setup: withJob, exit: 2, message: /--interval-ms must be a whole number of milliseconds/ },
  { name: 'list with an unknown flag', argv: ['batch', 'list', '--all-of-them'], exit: 2, message: /Unknown option '--all-of-them'/ },
  { name: 'wrong port (connection refused)', argv: ['batch', 'submit', 'src', '--yes'], env: async () => ({ ANTHROPIC_BASE_URL: `http://127.0.0.1:${await closedPort()}` }), exit: 1, message: /Nothing was sent: the connection was refused/ },
  { name: 'unknown host (DNS)', argv: ['batch', 'submit', 'src', '--yes'], env: { ANTHROPIC_BASE_URL: 'http://batchlens-nowhere.invalid' }, exit: 1, message: /Nothing was sent: the host name does not resolve/ },
  { name: 'a server that is not the API (501)', argv: ['batch', 'submit', 'src', '--yes'], env: async ({ proxy }) => { proxy.setFaults([{ kind: 'foreign', status: 501 }]); return { ANTHROPIC_BASE_URL: proxy.url }; }, exit: 1, message: /HTTP 501 and is not the Anthropic API: nothing was sent/ },
  { name: 'a revoked key', argv: ['batch', 'submit', 'src', '--yes'], env: { ANTHROPIC_API_KEY: 'sk-ant-revoked-0001' }, exit: 1, message: /rejected the API key.*Nothing was created/ },
  { name: 'the same files again while in flight', argv: ['batch', 'submit', 'src', '--yes'], setup: withJob, exit: 1, message: /2 of these files are already in flight: 2 in job job_/ },
  { name: 'malformed .vscode/settings.json (dry run)', argv: ['batch', 'submit', 'src', '--dry-run'], setup: async (root) => write(root, '.vscode/settings.json', '{ "batchlens.maxFileBytes": '), exit: 0, message: /ignoring .*settings\.json/ },
];

/** Names and contents of every file in the workspace except the store's own bookkeeping. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await fs.readdir(folder, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.set(path.relative(root, full), createHash('sha256').update(await fs.readFile(full)).digest('hex'));
    }
  };
  await walk(root);
  return files;
}

const creates = (emulator: Emulator) => emulator.admin.requests().filter((request) => request.method === 'POST' && request.path === '/v1/messages/batches' && request.status === 200).length;

/** Runs every case in its own workspace against one emulator; "nothing lost" = every file there before is unchanged. */
export async function runBadInputCases(): Promise<BadInputResult[]> {
  const emulator = await createEmulator({ speed: 1 });
  const proxy = await createFaultProxy(emulator.url);
  const results: BadInputResult[] = [];
  try {
    for (const testCase of BAD_INPUT_CASES) {
      proxy.setFaults([]);
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-badinput-'));
      await write(root, 'src/note0.md', 'First note.\n');
      await write(root, 'src/note1.md', 'Second note.\n');
      const baseEnv = { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: emulator.url, BATCHLENS_TIMEOUT_SECONDS: '2' };
      const run = async (argv: string[], extra: Record<string, string | null> = {}) => {
        const env: NodeJS.ProcessEnv = { ...baseEnv };
        for (const [key, value] of Object.entries(extra)) {
          if (value === null) delete env[key];
          else env[key] = value;
        }
        const io = { out: '', err: '', cwd: root, env, stdout: (text: string) => void (io.out += text), stderr: (text: string) => void (io.err += text) };
        const code = await runCli(argv, io);
        return { code, out: io.out, err: io.err };
      };
      const caseEnv: CaseEnv = { emulator, proxy, run };
      await testCase.setup?.(root, caseEnv);
      const extra = typeof testCase.env === 'function' ? await testCase.env(caseEnv) : testCase.env ?? {};
      const before = await snapshot(root);
      const createsBefore = creates(emulator);
      const outcome = await run(testCase.argv, extra);
      const after = await snapshot(root);
      const nothingSent = creates(emulator) === createsBefore;
      const nothingLost = [...before].every(([file, hash]) => after.get(file) === hash);
      const message = `${outcome.err}\n${outcome.out}`.split('\n').map((line) => line.trim()).find((line) => testCase.message.test(line))
        ?? `${outcome.err}`.split('\n').map((line) => line.trim()).find(Boolean) ?? '';
      const problems: string[] = [];
      if (outcome.code !== testCase.exit) problems.push(`exit ${outcome.code}, expected ${testCase.exit}: ${outcome.err.trim()}`);
      if (!testCase.message.test(`${outcome.err}\n${outcome.out}`)) problems.push(`message ${testCase.message} not in: ${outcome.err.trim()}`);
      if (!nothingSent) problems.push('a batch was created');
      if (!nothingLost) problems.push('a file that was there before changed');
      results.push({ name: testCase.name, command: testCase.argv.join(' '), exit: outcome.code, message, nothingSent, nothingLost, problems });
    }
  } finally {
    await proxy.close();
    await emulator.close();
  }
  return results;
}
