import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Gives the unit run its own temporary folder and removes it when the run ends, so the many
 * workspaces, stores and emulator snapshots the tests create never pile up in the system's /tmp.
 * `os.tmpdir()` reads TMPDIR on every call, and child processes the tests spawn inherit it.
 */
const runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-unit-'));
const previous = process.env.TMPDIR;
process.env.TMPDIR = runRoot;

export const mochaHooks = {
  afterAll(this: Mocha.Context): void {
    // Tens of thousands of files: on a busy machine removing them can outlast the 20 s test timeout.
    this.timeout(180_000);
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    fs.rmSync(runRoot, { recursive: true, force: true });
  },
};
