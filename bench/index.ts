/**
 * `npm run bench`: runs each bench module in turn. A module exports `name` and `run()`, prints its
 * own table and returns a JSON-able summary; add yours with one line in BENCHES.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as analysis from './analysis';

export interface BenchModule {
  name: string;
  run(): Promise<unknown>;
}

const BENCHES: BenchModule[] = [
  analysis,
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const outDir = path.join(__dirname, '..', 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  for (const bench of BENCHES) {
    if (only.length > 0 && !only.includes(bench.name)) continue;
    const summary = await bench.run();
    fs.writeFileSync(path.join(outDir, `${bench.name}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`wrote bench-results/${bench.name}.json\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
