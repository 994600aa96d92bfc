/**
 * Results bench: ingestion of a generated 100k-row results JSONL through the API layer's streaming
 * line reader, against JSON.parse over `String.split('\n')` of the whole file (which holds everything in
 * memory: peak RSS is the point); then the tracker's results writer (one output file per row, progress
 * saved to the job store) over 100k rows, against a bare loop over the split file with one
 * writeFileSync per row (the goal: at most 1.5x its time). Each measurement
 * runs in its own process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { count, listOption, mb, ms, printTable, ratio, runChild } from './support/report';
import { writeResultsFile } from './support/resultsFixture';

export const name = 'results';

const CHILD = path.join(__dirname, 'support', 'resultsChild.ts');
/** Writing every row's output may cost at most this much more than one plain writeFile per row. */
const WRITER_GOAL = 1.5;

interface ReadResult {
  ms: number;
  rows: number;
  bytes: number;
  peakRss: number;
}

interface WriteResult extends ReadResult {
  written: number;
  jobFileBytes?: number;
}

/** `--results-rows 100000` and `--writer-rows 100000` change the sizes. */
function rowsOption(flag: string, fallback: number): number {
  const value = listOption(flag)?.[0];
  if (value === undefined) return fallback;
  const rows = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(rows) || rows < 100) throw new Error(`${flag} takes a row count of at least 100`);
  return rows;
}

export async function run(): Promise<unknown> {
  const parseRows = rowsOption('--results-rows', 100_000);
  const writerRows = rowsOption('--writer-rows', 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-bench-results-'));
  try {
    const parseFile = path.join(dir, 'results.jsonl');
    const writerFile = path.join(dir, 'writer.jsonl');
    const parseBytes = writeResultsFile(parseFile, parseRows);
    writeResultsFile(writerFile, writerRows);
    console.log(`Results bench: ${count(parseRows)}-row results file (${mb(parseBytes)} MB, ~${(parseBytes / parseRows / 1024).toFixed(1)} KB a row); writer over the first ${count(writerRows)} rows`);

    const streamed = await runChild<ReadResult>(CHILD, ['stream', parseFile]);
    const split = await runChild<ReadResult>(CHILD, ['split', parseFile]);
    const written = await runChild<WriteResult>(CHILD, ['write', path.join(dir, 'store-workspace'), writerFile, String(writerRows)]);
    const plainWritten = await runChild<WriteResult>(CHILD, ['writeplain', path.join(dir, 'plain-workspace'), writerFile, String(writerRows)]);
    if (streamed.rows !== parseRows || split.rows !== parseRows) throw new Error(`read ${streamed.rows} / ${split.rows} of ${parseRows} rows`);

    const mbPerSecond = (result: ReadResult) => result.bytes / 1024 / 1024 / (result.ms / 1000);
    const rowsPerSecond = (result: ReadResult) => result.rows / (result.ms / 1000);
    const line = (label: string, result: ReadResult, baseline: ReadResult): string[] => [
      label,
      count(result.rows),
      ms(result.ms),
      mbPerSecond(result).toFixed(1),
      count(rowsPerSecond(result)),
      ratio(result.ms, baseline.ms),
      mb(result.peakRss),
      ratio(result.peakRss, baseline.peakRss),
    ];
    printTable(
      'Results ingestion (ms, MB/s, peak RSS MB; ratios = ours / the baseline below it, measured in the same run)',
      ['path', 'rows', 'ms', 'MB/s', 'rows/s', 'time ratio', 'peak RSS', 'RSS ratio'],
      [
        line('readResultLines (stream)', streamed, split),
        line('  baseline: split + JSON.parse', split, split),
        line('downloadResults (writer)', written, plainWritten),
        line('  baseline: split + parse, writeFileSync per row', plainWritten, plainWritten),
      ],
    );
    console.log(`  the split baseline holds the whole file and every row in memory; the reader streams. writer: ${count(written.written)} files written, job header ${mb(written.jobFileBytes ?? 0)} MB`);
    const writerRatio = written.ms / plainWritten.ms;
    console.log(`  writer time ${ratio(written.ms, plainWritten.ms)} of one writeFile per row (goal at most ${WRITER_GOAL}x)${writerRatio > WRITER_GOAL ? ' **ABOVE THE GOAL**' : ''}`);
    return {
      generatedAt: new Date().toISOString(),
      node: process.version,
      parse: {
        rows: parseRows,
        bytes: parseBytes,
        stream: { ...streamed, mbPerSecond: mbPerSecond(streamed) },
        splitBaseline: { ...split, mbPerSecond: mbPerSecond(split) },
        timeRatio: streamed.ms / split.ms,
        rssRatio: streamed.peakRss / split.peakRss,
      },
      writer: {
        rows: writerRows,
        downloadResults: { ...written, mbPerSecond: mbPerSecond(written), rowsPerSecond: rowsPerSecond(written) },
        writeFileBaseline: { ...plainWritten, mbPerSecond: mbPerSecond(plainWritten), rowsPerSecond: rowsPerSecond(plainWritten) },
        timeRatio: written.ms / plainWritten.ms,
        rssRatio: written.peakRss / plainWritten.peakRss,
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx bench/results.ts [--results-rows 20000] [--writer-rows 2000]` runs this bench alone without writing bench-results/.
if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
