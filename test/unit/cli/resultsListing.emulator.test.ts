import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { createEmulator, type Emulator } from '../../emulator/emulator';
import { recordingIo } from '../support/recordingIo';

const FILES = Array.from({ length: 60 }, (_, index) => `src/f${String(index).padStart(2, '0')}.ts`);

async function cli(root: string, emulator: Emulator, argv: string[]) {
  const io = recordingIo(root, { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: emulator.url });
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err };
}

describe('`batch results` text report of a large job', function () {
  this.timeout(60_000);
  let emulator: Emulator;

  beforeEach(async () => {
    emulator = await createEmulator({ speed: 3000 });
  });

  afterEach(async () => {
    await emulator.close();
  });

  it('lists the first 50 output files and counts the rest, while writing every one', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'batchlens-results-listing-'));
    await fs.mkdir(path.join(root, 'src'));
    for (const [index, file] of FILES.entries()) await fs.writeFile(path.join(root, file), `export const value${index} = ${index};\n`);
    const submitted = await cli(root, emulator, ['batch', 'submit', 'src', '--yes', '--json']);
    assert.equal(submitted.code, 0, submitted.err);
    const jobId = (JSON.parse(submitted.out) as { jobId: string }).jobId;
    const waited = await cli(root, emulator, ['batch', 'status', jobId, '--wait', '--json', '--interval-ms', '50']);
    assert.equal(waited.code, 0, waited.err);

    const results = await cli(root, emulator, ['batch', 'results', jobId]);
    assert.equal(results.code, 0, results.err);
    const lines = results.out.trim().split('\n');
    assert.equal(lines[0], '60 new or changed output files.');
    assert.equal(lines.filter((line) => line.startsWith('  new  ')).length, 50);
    assert.ok(lines.includes('  ... and 10 more (`--json` lists every file)'), results.out);
    const written = await fs.readdir(path.join(root, '.batchlens/results', jobId, 'src'));
    assert.equal(written.filter((name) => name.endsWith('.md')).length, FILES.length);
  });
});
