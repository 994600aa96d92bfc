/** Small printing and measuring helpers shared by the bench modules (not by the product). */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Prints a table: a title, a header row and right-aligned cells (the first column left-aligned). */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)) + 2);
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('');
  console.log(title);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

export function ratio(value: number, baseline: number): string {
  return baseline > 0 ? `${(value / baseline).toFixed(2)}x` : 'n/a';
}

export function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 1000 ? value.toFixed(1) : value.toFixed(0);
}

export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

export function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** `--flag a,b` or `--flag=a,b` from the command line, split on commas. */
export function listOption(flag: string, argv: readonly string[] = process.argv.slice(2)): string[] | undefined {
  const inline = argv.find((arg) => arg.startsWith(`${flag}=`));
  const at = argv.indexOf(flag);
  const raw = inline ? inline.slice(flag.length + 1) : at !== -1 ? argv[at + 1] : undefined;
  return raw ? raw.split(',').map((item) => item.trim()).filter(Boolean) : undefined;
}

/**
 * Runs a bench child script in a fresh Node process (TypeScript through tsx; `node`, another Node
 * binary than this one) and returns the JSON
 * object it printed as its last stdout line. A fresh process per measurement is what makes peak RSS
 * (`peakRssBytes`) mean something: nothing from an earlier measurement is resident.
 */
export function runChild<T>(script: string, args: readonly string[], options: { typescript?: boolean; cwd?: string; node?: string } = {}): Promise<T> {
  const typescript = options.typescript ?? true;
  const nodeArgs = typescript ? ['--import', 'tsx', script, ...args] : [script, ...args];
  return new Promise<T>((resolve, reject) => {
    const child = spawn(options.node ?? process.execPath, nodeArgs, { cwd: options.cwd ?? path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`${path.basename(script)} ${args.join(' ')} exited with ${code}: ${stderr.trim() || stdout.trim()}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${path.basename(script)} printed no JSON result: ${stdout.trim()} ${stderr.trim()}`));
      }
    });
  });
}

/**
 * Peak resident set of this process so far, in bytes: VmHWM on Linux (`maxRSS` there is carried over
 * fork and exec, so a child would report at least its parent's size), maxRSS (KiB) elsewhere.
 */
export function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // No /proc: fall back below.
  }
  return process.resourceUsage().maxRSS * 1024;
}
