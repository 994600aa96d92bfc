import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Expr, Scope, StatementFacts } from './ir';
import { type Dynamic, type ModuleEnv, buildEnv, firstDynamic, stringify } from './resolve';
import type { AnalysisOptions, SourceLanguage } from './types';
import { type ImportedName, importsOf, resolveSpec } from './workspaceImports';

/*
 * Stability evidence that crosses files: what callers in other workspace files pass to a function's
 * parameters (`respond(input(), …)` in `cli.py` for `def respond(question)` in `bot.py`), and what
 * an imported helper returns (`build_system()` from `prompts.py` returning `datetime.now()` text).
 * Built lazily, per file, from the files' import statements; a file's entry is dropped when it
 * changes (its modification time, or `invalidate` from the editor's file watcher). Shared by the
 * CLI (one index per run) and the editor (one per workspace folder).
 */

/** Per-request evidence found in another file. */
export interface ExternalEvidence {
  /** What the value is, as the rules phrase it (`a clock reading (\`datetime.now()\`)`). */
  reason: string;
  stability: Dynamic['stability'];
  /** Where the evidence is: `path:line`, the path relative to the workspace root. */
  where: string;
  /** False when the value passed has parts of unknown size (so it is not known to be all per-request). */
  complete: boolean;
}

/** What the analysis of one file may ask about other files (AnalysisOptions.crossFile). */
export interface CrossFileEvidence {
  /** Per-request evidence a caller in another file passes as parameter `param` (at `position`) of this file's top-level function `fn`. */
  argument(fn: string, param: string, position: number): ExternalEvidence | undefined;
  /** Per-request text returned by the function a call in this file reaches through an import (`build`, `prompts.build`). */
  returned(callee: string): ExternalEvidence | undefined;
}

/** Parses a file into top-level facts (the analyzer's lowering); undefined when it cannot. */
export type LowerModule = (text: string, language: SourceLanguage) => StatementFacts[] | undefined;

interface Entry {
  mtimeMs: number;
  text: string;
  python: boolean;
  imports: ImportedName[];
  /** Resolved target of each import spec (undefined: not a workspace file). */
  targets: Map<string, string | undefined>;
  env?: ModuleEnv | null;
  returns: Map<string, ExternalEvidence | null>;
}

const MAX_INDEXED_BYTES = 1_000_000;
const PYTHON = /\.py$/;
const SOURCE = /\.(?:py|[cm]?[jt]sx?)$/;

export class WorkspaceIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly views = new Map<string, CrossFileEvidence>();
  private importers = new Map<string, string[]>();

  /**
   * `files` lists the workspace's source files (absolute paths), asked again after each
   * invalidation; `lower` parses one (see analyzer.ts lowerModule).
   */
  constructor(
    private readonly root: string,
    private readonly files: () => string[],
    private readonly lower: LowerModule,
    /** How a file is named in messages (default: relative to the root). */
    private readonly displayName?: (file: string) => string | undefined,
  ) {}

  /** Forgets what was read from `file`: it changed, or (`listChanged`) it was created or deleted. */
  invalidate(file: string, listChanged = false): void {
    this.entries.delete(file);
    this.views.clear();
    this.importers = new Map();
    if (listChanged) this.fileList = undefined;
  }

  /** Analysis options for `file`: `base` with this index's evidence (one options object per file until something changes). */
  optionsFor(base: AnalysisOptions, file: string): AnalysisOptions {
    return { ...base, crossFile: this.evidenceFor(file) };
  }

  /** The evidence view for one file; the same object until an invalidation (so cached statement results stay valid). */
  evidenceFor(file: string): CrossFileEvidence {
    let view = this.views.get(file);
    if (!view) {
      view = { argument: (fn, param, position) => this.argument(file, fn, param, position), returned: (callee) => this.returned(file, callee) };
      this.views.set(file, view);
    }
    return view;
  }

  private fileList: string[] | undefined;

  private entry(file: string): Entry | undefined {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      this.entries.delete(file);
      return undefined;
    }
    const cached = this.entries.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs) return cached;
    if (!stat.isFile() || stat.size > MAX_INDEXED_BYTES) return undefined;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const python = PYTHON.test(file);
    const entry: Entry = { mtimeMs: stat.mtimeMs, text, python, imports: importsOf(text, python), targets: new Map(), returns: new Map() };
    this.entries.set(file, entry);
    return entry;
  }

  private target(file: string, entry: Entry, spec: string): string | undefined {
    if (!entry.targets.has(spec)) entry.targets.set(spec, resolveSpec(file, spec, entry.python, this.root));
    return entry.targets.get(spec);
  }

  private envOf(file: string, entry: Entry): ModuleEnv | undefined {
    if (entry.env === undefined) {
      const facts = this.lower(entry.text, entry.python ? 'python' : /\.tsx?$|\.[cm]ts$/.test(file) ? 'typescript' : 'javascript');
      entry.env = facts ? buildEnv(facts) : null;
    }
    return entry.env ?? undefined;
  }

  /** The names `entry` binds to functions of `target`: `{ local, fn }` for `from m import fn as local`, `{ namespace }` for `import m`. */
  private namesFor(file: string, entry: Entry, target: string): { local?: string; fn?: string; namespace?: string }[] {
    const stem = moduleStem(target);
    const out: { local?: string; fn?: string; namespace?: string }[] = [];
    for (const name of entry.imports) {
      const last = name.spec.replace(/\.[cm]?[jt]sx?$/, '').split(/[/.]/).filter(Boolean).pop();
      // A cheap test first: only an import that names the module's stem can be it.
      if (last !== stem && !(entry.python && name.imported === stem)) continue;
      if (entry.python && name.imported && this.target(file, entry, `${name.spec}${name.spec.endsWith('.') ? '' : '.'}${name.imported}`) === target) out.push({ namespace: name.local });
      else if (this.target(file, entry, name.spec) === target) out.push(name.imported && name.imported !== 'default' ? { local: name.local, fn: name.imported } : name.imported ? {} : { namespace: name.local });
    }
    return out;
  }

  private importersOf(target: string): string[] {
    let list = this.importers.get(target);
    if (list) return list;
    this.fileList ??= this.files().filter((file) => SOURCE.test(file) && !file.endsWith('.d.ts'));
    list = [];
    for (const file of this.fileList) {
      if (file === target) continue;
      const entry = this.entry(file);
      if (entry && this.namesFor(file, entry, target).length > 0) list.push(file);
    }
    this.importers.set(target, list);
    return list;
  }

  private argument(target: string, fn: string, param: string, position: number): ExternalEvidence | undefined {
    let best: ExternalEvidence | undefined;
    for (const file of this.importersOf(target)) {
      const entry = this.entry(file);
      const env = entry && this.envOf(file, entry);
      if (!entry || !env) continue;
      for (const name of this.namesFor(file, entry, target)) {
        const callee = name.namespace ? `${name.namespace}.${fn}` : name.fn === fn ? name.local : undefined;
        if (!callee) continue;
        for (const ref of env.callers.peek(callee) ?? []) {
          const keyword = ref.call.kwargs.find((kwarg) => kwarg.name === param)?.value;
          const positional = ref.call.args[position];
          const argument: Expr | undefined = keyword ?? (positional && positional.kind !== 'spread' ? positional : undefined);
          if (!argument) continue;
          const passed = stringify({ expr: argument, scope: ref.scope.name === '<module>' ? undefined : ref.scope }, env);
          const found = firstDynamic(passed.dynamic);
          if (!found) continue;
          const evidence = { reason: found.reason, stability: found.stability, where: `${this.display(file)}:${lineOf(entry.text, found.start)}`, complete: passed.complete };
          if (found.stability === 'request') return evidence;
          best ??= evidence;
        }
      }
    }
    return best;
  }

  private returned(file: string, callee: string): ExternalEvidence | undefined {
    const entry = this.entry(file);
    if (!entry) return undefined;
    for (const name of entry.imports) {
      let fn: string | undefined;
      if (name.imported && name.imported !== 'default' && name.local === callee) fn = name.imported;
      else if (callee.startsWith(`${name.local}.`) && !callee.slice(name.local.length + 1).includes('.')) fn = callee.slice(name.local.length + 1);
      if (!fn) continue;
      const spec = fn === name.imported ? name.spec : name.imported && entry.python ? `${name.spec}${name.spec.endsWith('.') ? '' : '.'}${name.imported}` : name.spec;
      const target = this.target(file, entry, spec);
      const helperEntry = target && this.entry(target);
      if (!target || !helperEntry) continue;
      const cached = helperEntry.returns.get(fn);
      if (cached !== undefined) return cached ?? undefined;
      const env = this.envOf(target, helperEntry);
      const helper = env && functionNamed(env, fn);
      let evidence: ExternalEvidence | null = null;
      if (env && helper && helper.returns.length > 0) {
        const value = stringify({ expr: helper.returns[helper.returns.length - 1], scope: helper }, env);
        const found = firstDynamic(value.dynamic);
        if (found) evidence = { reason: found.reason, stability: found.stability, where: `${this.display(target)}:${lineOf(helperEntry.text, found.start)}`, complete: value.complete };
      }
      helperEntry.returns.set(fn, evidence);
      return evidence ?? undefined;
    }
    return undefined;
  }

  private display(file: string): string {
    return this.displayName?.(file) ?? path.relative(this.root, file).split(path.sep).join('/');
  }
}

/** A top-level function (`def`, `function`) or a module constant bound to one (`const build = () => …`). */
function functionNamed(env: ModuleEnv, name: string): Scope | undefined {
  const declared = env.functions.peek(name);
  if (declared) return declared;
  const value = env.bindings.peek(name)?.find((binding) => binding.value?.kind === 'func')?.value;
  return value?.kind === 'func' ? value.scope : undefined;
}

/** A module's name as importers write it: the file name without extension (`__init__`: its folder's). */
function moduleStem(file: string): string {
  const stem = path.basename(file).replace(/\.(?:py|[cm]?[jt]sx?)$/, '');
  return stem === '__init__' || stem === 'index' ? path.basename(path.dirname(file)) : stem;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) line++;
  return line;
}
