/**
 * Where a full analysis spends its time beyond the parse, per line of the analysis bench's generated
 * files: the bare parse, lowering (a parse that also lowers every top-level statement, less the bare
 * parse) and the rest (the analysis, less that). Each in CPU time of the process, which also counts
 * the collector's helper threads; on Linux, the analysis's CPU is also split between the main thread
 * and the others (read from /proc, 10 ms ticks: summed over every run, not per run).
 *
 * A drill-down behind the `analysis` bench's ratios, not part of `npm run bench`:
 *   npx tsx bench/analysisPhases.ts [--languages javascript,python] [--sizes 5000,10000,50000]
 * Run it with `NODE_OPTIONS=--max-semi-space-size=64` to see the figures with a young generation
 * large enough that an analysis never promotes its IR (an experiment: the editor's host sets its own
 * V8 flags).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { loadAnalyzer, lowerModuleWith } from '../src/core/analysis/analyzer';
import { catalogAnalysisOptions } from '../src/core/analysis/catalogOptions';
import { defaultWasmDir, loadRuntime } from '../src/core/analysis/runtime';
import { generate, languagesOption, sizesOption, timed } from './analysis';
import { median, printTable, ratio } from './support/report';

const WARM_UP_MS = 3000;
/** Clock ticks per second of /proc/<pid>/task/<tid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU ms of the main thread and of all other threads so far, or undefined where /proc is not there. */
function threadCpuMs(): { main: number; others: number } | undefined {
  try {
    let main = 0;
    let others = 0;
    for (const task of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const spent = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
      if (task === String(process.pid)) main += spent;
      else others += spent;
    }
    return { main, others };
  } catch {
    return undefined;
  }
}

function runsFor(lines: number): number {
  return lines <= 1_000 ? 101 : lines < 10_000 ? 21 : 9;
}

async function main(): Promise<void> {
  const languages = languagesOption(['javascript', 'python']);
  const sizes = sizesOption([5_000, 10_000, 50_000]);
  const runtime = await loadRuntime(defaultWasmDir());
  const analyzer = await loadAnalyzer();
  const lower = lowerModuleWith(analyzer);
  const options = catalogAnalysisOptions('claude-sonnet-4-6');
  const rows: string[][] = [];
  for (const language of languages) {
    const parser = new runtime.ts.Parser();
    parser.setLanguage(runtime.languages.get(language) ?? null);
    for (const lines of sizes) {
      const text = generate(language, lines);
      const parse = () => parser.parse(text)?.delete();
      const lowered = () => {
        if (!lower(text, language)) throw new Error(`no facts for the generated ${language} file`);
      };
      const analyse = () => analyzer.analyze(text, language, options);
      for (let spent = 0; spent < WARM_UP_MS; ) {
        spent += timed(() => {
          parse();
          lowered();
          analyse();
        }).cpu;
      }
      const parseMs: number[] = [];
      const lowerMs: number[] = [];
      const analyseMs: number[] = [];
      let mainMs = 0;
      let othersMs = 0;
      let threads = true;
      for (let run = 0; run < runsFor(lines); run++) {
        parseMs.push(timed(parse).cpu);
        lowerMs.push(timed(lowered).cpu);
        const before = threadCpuMs();
        analyseMs.push(timed(analyse).cpu);
        const after = threadCpuMs();
        if (before && after) {
          mainMs += after.main - before.main;
          othersMs += after.others - before.others;
        } else {
          threads = false;
        }
      }
      const perLine = (value: number) => ((value * 1000) / lines).toFixed(2);
      const [p, l, a] = [median(parseMs), median(lowerMs), median(analyseMs)];
      const runs = parseMs.length;
      const sumParse = parseMs.reduce((sum, value) => sum + value, 0);
      rows.push([
        language,
        lines.toLocaleString('en-US'),
        perLine(p),
        perLine(l - p),
        perLine(a - l),
        ratio(a, p),
        threads ? ratio(mainMs, sumParse) : 'n/a',
        threads ? (othersMs / runs).toFixed(1) : 'n/a',
      ]);
    }
    parser.delete();
  }
  printTable(
    'Analysis by phase (µs a line, medians of CPU time; main-thread ratio and other threads\' ms a run summed over the runs)',
    ['language', 'lines', 'parse', 'lowering', 'the rest', 'CPU ratio', 'main thread', 'others ms'],
    rows,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
