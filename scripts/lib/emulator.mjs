// Starts the local Message Batches emulator (test/emulator, `npm run emulator`) as a child process
// for a real-VS-Code run: on a free loopback port, in its own process group so stopping it stops
// tsx and the server together. Used by the integration and E2E runners and by `npm run demo`.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { freePort, tailOf } from './codeServer.mjs';
import { REPO_ROOT } from './tools.mjs';

/** Not a real key: the emulator accepts any key that starts with sk-ant-. */
export const EMULATOR_API_KEY = 'sk-ant-emulator-00000000000000000000000000000000';

/**
 * Starts the emulator and resolves with `{ url, stop() }` once it listens. `speed` divides the
 * emulated processing time (5 min + 2 s per request): 100 ends a batch of 5 in about 3 s.
 * Its output (one line per API request, never keys) goes to `logFile`.
 */
export async function startEmulator({ logFile, port, speed, startTimeoutMs = 30_000 }) {
  const listenPort = port ?? (await freePort());
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const args = [path.join(REPO_ROOT, 'test', 'emulator', 'main.ts'), '--port', String(listenPort)];
  if (speed !== undefined) args.push('--speed', String(speed));
  const child = spawn(tsx, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stderr.pipe(log);
  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return Promise.resolve();
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 5_000);
    return exited.finally(() => clearTimeout(timer));
  };
  try {
    const url = await new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`the emulator did not start within ${startTimeoutMs / 1000} s:\n${seen}`)), startTimeoutMs);
      child.stdout.on('data', (chunk) => {
        seen += chunk;
        log.write(chunk);
        const match = /emulator on (http:\/\/\S+)/.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the emulator exited with code ${code}:\n${seen}${tailOf(logFile)}`));
      });
    });
    child.stdout.removeAllListeners('data');
    child.stdout.pipe(log);
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
