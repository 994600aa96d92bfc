/**
 * A generated workspace of small TypeScript source files for the batch bench: `pkg-NN/src/mod-N/file-NNN.ts`,
 * 1,000 files per package, 1-3 KB each (2 KB on average), a root `.gitignore` and one per package, so the
 * collector's ignore handling does the work it does in a real repository.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const FILES_PER_PACKAGE = 1_000;
const MODULES_PER_PACKAGE = 10;
const FILES_PER_MODULE = FILES_PER_PACKAGE / MODULES_PER_PACKAGE;

/** Where the tree lives; kept between runs of one bench (the marker says how many files it holds). */
export function defaultTreeRoot(): string {
  return path.join(os.tmpdir(), 'batchlens-bench-tree');
}

/** Workspace-relative folders that hold exactly `files` files (a multiple of 1,000). */
export function selectionFor(files: number): string[] {
  const packages = Math.ceil(files / FILES_PER_PACKAGE);
  return Array.from({ length: packages }, (_, index) => packageName(index));
}

/** Makes sure `root` holds at least `files` generated files; returns the bytes of source in it. */
export function ensureSourceTree(root: string, files: number): { files: number; bytes: number; generatedNow: boolean } {
  const marker = path.join(root, '.bench-tree.json');
  const packages = Math.ceil(files / FILES_PER_PACKAGE);
  const existing = readMarker(marker);
  if (existing && existing.packages >= packages) {
    markRepositoryTop(root);
    return { files: existing.packages * FILES_PER_PACKAGE, bytes: existing.bytes, generatedNow: false };
  }
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules/\n*.log\ncoverage/\n');
  let bytes = 0;
  for (let pkg = 0; pkg < packages; pkg++) {
    const pkgDir = path.join(root, packageName(pkg));
    fs.mkdirSync(pkgDir);
    fs.writeFileSync(path.join(pkgDir, '.gitignore'), 'dist/\n*.tmp\n');
    for (let mod = 0; mod < MODULES_PER_PACKAGE; mod++) {
      const modDir = path.join(pkgDir, 'src', `mod-${mod}`);
      fs.mkdirSync(modDir, { recursive: true });
      for (let file = 0; file < FILES_PER_MODULE; file++) {
        const seed = pkg * FILES_PER_PACKAGE + mod * FILES_PER_MODULE + file;
        const text = sourceFile(seed);
        bytes += Buffer.byteLength(text);
        fs.writeFileSync(path.join(modDir, `file-${String(file).padStart(3, '0')}.ts`), text);
      }
    }
  }
  fs.writeFileSync(marker, JSON.stringify({ packages, bytes }));
  markRepositoryTop(root);
  return { files: packages * FILES_PER_PACKAGE, bytes, generatedNow: true };
}

/**
 * The tree stands for a user's repository, so it is the top of its own: an empty `.git` folder is what
 * the file walker looks for. Without it a tree inside this checkout (node_modules/.cache) falls under
 * the checkout's .gitignore, which ignores node_modules/, and every file would be skipped.
 */
function markRepositoryTop(root: string): void {
  fs.mkdirSync(path.join(root, '.git'), { recursive: true });
}

function packageName(index: number): string {
  return `pkg-${String(index).padStart(2, '0')}`;
}

function readMarker(marker: string): { packages: number; bytes: number } | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(marker, 'utf8')) as { packages?: unknown; bytes?: unknown };
    return typeof value.packages === 'number' && typeof value.bytes === 'number' ? { packages: value.packages, bytes: value.bytes } : undefined;
  } catch {
    return undefined;
  }
}

/** A plausible TypeScript module of 1-3 KB, different for every seed. */
function sourceFile(seed: number): string {
  const functions = 4 + (seed % 5);
  const parts = [`import { readFile } from 'node:fs/promises';\n\n/** Module ${seed}: parses and totals records. */\n`];
  for (let index = 0; index < functions; index++) {
    const name = `step${seed}_${index}`;
    parts.push(`export async function ${name}(file: string, limit = ${(seed * 7 + index) % 97}): Promise<number> {
  const text = await readFile(file, 'utf8');
  let total = 0;
  for (const line of text.split('\\n').slice(0, limit)) {
    const [key, value] = line.split('=');
    if (key?.trim() === 'amount_${index}') total += Number(value ?? 0);
  }
  return total;
}

`);
  }
  parts.push(`export const LABEL_${seed} = 'records of module ${seed}';\n`);
  return parts.join('');
}
