/**
 * `npm run bench`: runs each bench module in turn. A module exports `name` and `run()`, prints its
 * own table and returns a JSON-able summary; add yours with one line in BENCHES.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as analysis from './analysis';
import * as batch from './batch';
import * as bundle from './bundle';
import * as poller from './poller';
import * as prompts from './promptCorpus';
import * as results from './results';
import * as scale from './scale';
import { listOption } from './support/report';

export interface BenchModule {
  name: string;
  run(): Promise<unknown>;
}

const BENCHES: BenchModule[] = [
  analysis,
  batch,
  results,
  poller,
  bundle,
  prompts,
  scale,
];

async function main(): Promise<void> {
  // `npm run bench -- --only batch,results` (or bare names) picks benches; other flags go to the benches.
  const only = listOption('--only') ?? process.argv.slice(2).filter((arg) => BENCHES.some((bench) => bench.name === arg));
  const unknown = only.filter((wanted) => !BENCHES.some((bench) => bench.name === wanted));
  if (unknown.length > 0) throw new Error(`--only takes ${BENCHES.map((bench) => bench.name).join(', ')}; not ${unknown.join(', ')}`);
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
