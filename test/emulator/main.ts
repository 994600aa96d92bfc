/**
 * `npm run emulator -- --port 4010 [--faults FILE] [--speed N] [--snapshot FILE] [--api-key K]`
 * Runs the local Message Batches emulator until interrupted.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createEmulator, DEFAULT_SPEED } from './emulator';
import { parseFaults } from './faults';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      faults: { type: 'string' },
      speed: { type: 'string', default: String(DEFAULT_SPEED) },
      snapshot: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run emulator -- [--port 4010] [--host 127.0.0.1] [--faults FILE] [--speed 100] [--snapshot FILE] [--api-key KEY] [--quiet]\n',
    );
    return;
  }
  const port = Number(values.port);
  const speed = Number(values.speed);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port: expected a port number, got "${values.port}"`);
  }
  if (!(speed > 0)) {
    throw new Error(`--speed: expected a positive number, got "${values.speed}"`);
  }
  const faults = values.faults ? parseFaults(JSON.parse(readFileSync(values.faults, 'utf8'))) : [];
  const emulator = await createEmulator({
    port,
    host: values.host,
    speed,
    faults,
    snapshotFile: values.snapshot,
    apiKeys: values['api-key'],
    log: values.quiet ? undefined : (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(
    `Message Batches emulator on ${emulator.url} (speed ${speed}x, ${faults.length} fault rule(s)` +
      `${values.snapshot ? `, snapshot ${values.snapshot}` : ''})\n` +
      `Point Batchlens at it: "batchlens.apiBaseUrl": "${emulator.url}" (any key starting with sk-ant- works` +
      `${values['api-key'] ? ' — here only the pinned key(s)' : ''}).\n`,
  );
  const stop = () => {
    void emulator.close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
