import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LockTimeoutError, deadOwnerReason, parseOwner, withFileLock } from '../../../../src/core/util/fileLock';
import { silentLogger } from '../../../../src/core/util/logger';

/** A pid far above any live process. */
const DEAD_PID = 2 ** 22 + 4321;

async function lockIn(owner: object | string, ageMs = 0): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-lock-'));
  const lock = path.join(dir, 'test.lock');
  await fs.writeFile(lock, typeof owner === 'string' ? owner : JSON.stringify(owner));
  const when = new Date(Date.now() - ageMs);
  await fs.utimes(lock, when, when);
  return lock;
}

const tenMinutes = 10 * 60_000;

describe('withFileLock', () => {
  it('waits for a live holder on this machine however long it has held the lock', async () => {
    const lock = await lockIn({ pid: process.pid, host: os.hostname(), at: Date.now() - tenMinutes, token: 'live' }, tenMinutes);
    let ran = false;
    await assert.rejects(
      withFileLock(lock, async () => (ran = true), { timeoutMs: 200 }),
      (error: unknown) => error instanceof LockTimeoutError && error.message.includes(`process ${process.pid} on ${os.hostname()}`),
    );
    assert.equal(ran, false);
    assert.equal(JSON.parse(await fs.readFile(lock, 'utf8')).token, 'live', 'the live lock is left in place');
  });

  it('breaks the lock of a dead process on this machine at once, then takes and releases it', async () => {
    const lock = await lockIn({ pid: DEAD_PID, host: os.hostname(), at: Date.now(), token: 'dead' });
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const held = await withFileLock(lock, async () => JSON.parse(await fs.readFile(lock, 'utf8')), { timeoutMs: 2_000, logger, label: 'test' });
    assert.equal(held.pid, process.pid);
    assert.equal(held.host, os.hostname());
    await assert.rejects(fs.access(lock));
    assert.ok(warnings.some((line) => line.includes(`process ${DEAD_PID} is gone`)), warnings.join('\n'));
  });

  it("waits for another machine's lock while it is refreshed, and breaks it once it falls silent", async () => {
    const fresh = await lockIn({ pid: DEAD_PID, host: 'elsewhere.invalid', at: Date.now(), token: 'far' });
    await assert.rejects(withFileLock(fresh, async () => undefined, { timeoutMs: 200 }), LockTimeoutError);
    const silent = await lockIn({ pid: process.pid, host: 'elsewhere.invalid', at: Date.now() - tenMinutes, token: 'far' }, tenMinutes);
    assert.equal(await withFileLock(silent, async () => 'taken', { timeoutMs: 2_000 }), 'taken');
  });

  it('treats a damaged lock file as dead', async () => {
    const lock = await lockIn('{"pid": 12');
    assert.equal(await withFileLock(lock, async () => 'taken', { timeoutMs: 2_000 }), 'taken');
  });

  it('runs one holder at a time inside one process', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-lock-'));
    const lock = path.join(dir, 'test.lock');
    let inside = 0;
    let mostInside = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withFileLock(lock, async () => {
          inside++;
          mostInside = Math.max(mostInside, inside);
          await new Promise((resolve) => setTimeout(resolve, 10));
          inside--;
        }),
      ),
    );
    assert.equal(mostInside, 1);
    assert.deepEqual(await fs.readdir(dir), [], 'no lock or candidate file is left');
  });

  it('refreshes the lock while the action runs, so other machines see its holder alive', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-lock-'));
    const lock = path.join(dir, 'test.lock');
    const mtimes = await withFileLock(
      lock,
      async () => {
        const old = new Date(Date.now() - tenMinutes);
        await fs.utimes(lock, old, old);
        const before = (await fs.stat(lock)).mtimeMs;
        await new Promise((resolve) => setTimeout(resolve, 120));
        return { before, after: (await fs.stat(lock)).mtimeMs };
      },
      { heartbeatMs: 20 },
    );
    assert.ok(mtimes.after - mtimes.before > tenMinutes / 2, 'the heartbeat moved the mtime to now');
  });
});

describe('deadOwnerReason / parseOwner', () => {
  it('judges a same-machine owner by its pid alone, never by age', () => {
    assert.equal(deadOwnerReason({ pid: process.pid, host: os.hostname(), at: 0, token: 't' }, 365 * 24 * 3_600_000), undefined);
    assert.match(deadOwnerReason({ pid: DEAD_PID, host: os.hostname(), at: Date.now(), token: 't' }, 0) ?? '', /is gone/);
  });

  it('reads a lock written before hosts were recorded as one of this machine', () => {
    assert.equal(parseOwner(JSON.stringify({ pid: 7, at: 1, token: 'x' }))?.host, os.hostname());
    assert.equal(parseOwner('not json'), undefined);
  });
});
