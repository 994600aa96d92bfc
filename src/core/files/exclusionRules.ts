import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Ignore, default as IgnoreFactory } from 'ignore';
import type Picomatch from 'picomatch';

/**
 * Which paths a folder walk leaves out, by one set of rules for lint, cost and batches:
 *
 * - every `.gitignore` from the repository's top folder down, read as git reads them: a deeper file
 *   overrides a shallower one, and inside a file the last matching pattern wins, so a nested
 *   `!keep.py` re-includes a file a parent's `*.py` left out;
 * - `files.exclude`-style globs (VS Code's setting; glob syntax with braces, `**` and dot files,
 *   relative to the walk's root) through picomatch;
 * - `batchlens.exclude` / `--exclude` patterns, documented as gitignore syntax, relative to the root.
 *
 * A folder left out is not entered, so nothing below it can be re-included (git's rule too).
 */
export interface ExclusionOptions {
  /** The walk's root: globs and exclude patterns are relative to it. Absolute and real (no symlinks). */
  root: string;
  /**
   * The folder whose `.gitignore` is the shallowest read: the repository's top (see `repositoryTop`),
   * or `root` itself. Must be `root` or a folder above it.
   */
  top?: string;
  /** `files.exclude`-style globs (only the enabled ones; see `enabledExcludeGlobs`). */
  filesExclude?: readonly string[];
  /** Patterns in gitignore syntax (`batchlens.exclude`, `--exclude`). */
  exclude?: readonly string[];
}

/** One `.gitignore`: its patterns apply to paths relative to its folder. */
export interface IgnoreLayer {
  /** Folder of the `.gitignore`, relative to the rules' top ('' for the top itself). */
  base: string;
  matcher: ForgetfulIgnore;
}

interface Matchers {
  ignore: typeof IgnoreFactory;
  picomatch: typeof Picomatch;
}

let matchers: Matchers | undefined;

/**
 * The gitignore and glob matchers, loaded on the first walk: activation never walks, and esbuild.js
 * keeps both packages in files beside the bundle. `require` inside a function keeps them lazy.
 */
function loadMatchers(): Matchers {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  matchers ??= { ignore: require('ignore') as typeof IgnoreFactory, picomatch: require('picomatch') as typeof Picomatch };
  return matchers;
}

/** Questions the gitignore matchers of one set of rules answer before they all start afresh (see ForgetfulIgnore). */
const QUESTIONS_BETWEEN_FORGETTING = 10_000;

/**
 * What the gitignore matchers of one set of rules may remember, together. The `ignore` package
 * remembers its answer for every path it is asked about, and for each folder above it, as long as a
 * matcher lives; a walk asks about each path once, so a walk of 100,000 files kept ~170,000 answers
 * (~15 MB) that nothing asked for again, spread over as many matchers as the tree has `.gitignore`
 * files (one per package of a monorepo, each asked only about its own files). Every
 * QUESTIONS_BETWEEN_FORGETTING questions, asked of any of them, every matcher drops what it knows and
 * is rebuilt from its patterns when next asked (parsing a `.gitignore` costs far less than those
 * questions); a folder asked about again after that is worked out again.
 */
export class AnswerBudget {
  private questions = 0;
  private readonly matchers = new Set<ForgetfulIgnore>();

  /** Counts one question; on the budget's last one, every matcher forgets. */
  ask(): void {
    this.questions += 1;
    if (this.questions < QUESTIONS_BETWEEN_FORGETTING) return;
    this.questions = 0;
    for (const matcher of this.matchers) matcher.forget();
  }

  register(matcher: ForgetfulIgnore): void {
    this.matchers.add(matcher);
  }
}

/** A gitignore matcher whose answers an AnswerBudget makes it forget. */
export class ForgetfulIgnore {
  private matcher: Ignore | undefined;

  constructor(
    private readonly patterns: string | readonly string[],
    private readonly budget: AnswerBudget,
  ) {
    budget.register(this);
  }

  /** Whether a pattern leaves `relativePath` out (`ignored`) or takes it back in (`unignored`). */
  test(relativePath: string): { ignored: boolean; unignored: boolean } {
    return this.current().test(relativePath);
  }

  ignores(relativePath: string): boolean {
    return this.current().ignores(relativePath);
  }

  /** Drops every answer: the next question rebuilds the matcher from its patterns. */
  forget(): void {
    this.matcher = undefined;
  }

  private current(): Ignore {
    this.budget.ask();
    this.matcher ??= loadMatchers().ignore().add(this.patterns);
    return this.matcher;
  }
}

export class ExclusionRules {
  /** `root` relative to `top`, '' when they are the same folder. */
  private readonly rootFromTop: string;
  private readonly globMatchers: Array<{ pattern: string; test: (path: string) => boolean }>;
  private readonly excludeMatcher: ForgetfulIgnore | undefined;
  /** Shared by every gitignore matcher of these rules (see AnswerBudget). */
  private readonly answers = new AnswerBudget();
  private readonly layerCache = new Map<string, Promise<IgnoreLayer | null>>();

  constructor(private readonly options: ExclusionOptions) {
    const top = options.top ?? options.root;
    this.rootFromTop = toPosix(path.relative(top, options.root));
    if (this.rootFromTop.startsWith('..')) throw new Error(`exclusion rules: ${top} is not above ${options.root}`);
    const { picomatch } = loadMatchers();
    this.globMatchers = (options.filesExclude ?? []).map((pattern) => ({ pattern, test: picomatch(pattern, { dot: true, windows: false }) }));
    this.excludeMatcher = options.exclude && options.exclude.length > 0 ? new ForgetfulIgnore(options.exclude, this.answers) : undefined;
  }

  /** The `.gitignore` layers that apply inside `dir` (root-relative), shallowest first. */
  async layersFor(dir: string): Promise<IgnoreLayer[]> {
    const fromTop = this.fromTop(dir);
    const bases = ['', ...ancestorsOf(fromTop)];
    const layers = await Promise.all(bases.map((base) => this.layerAt(base)));
    return layers.filter((layer): layer is IgnoreLayer => layer !== null);
  }

  /** The layers of a child folder of a folder whose layers are `parentLayers`. */
  async childLayers(childDir: string, parentLayers: IgnoreLayer[]): Promise<IgnoreLayer[]> {
    const own = await this.layerAt(this.fromTop(childDir));
    return own ? [...parentLayers, own] : parentLayers;
  }

  /**
   * Why `relativePath` (root-relative, forward slashes) is left out, or undefined when it is kept.
   * `layers` are those of its folder (`layersFor` / `childLayers`).
   */
  excludedBy(relativePath: string, isDir: boolean, layers: readonly IgnoreLayer[]): string | undefined {
    for (const glob of this.globMatchers) if (glob.test(relativePath)) return `matched files.exclude ${glob.pattern}`;
    const probe = isDir ? `${relativePath}/` : relativePath;
    if (this.excludeMatcher?.ignores(probe)) return 'matched an exclude pattern';
    const fromTop = this.rootFromTop ? `${this.rootFromTop}/${probe}` : probe;
    let ignoredBy: string | undefined;
    // Deeper .gitignore files override shallower ones, as in git: the last layer with an opinion wins.
    for (const layer of layers) {
      const local = layer.base ? fromTop.slice(layer.base.length + 1) : fromTop;
      const result = layer.matcher.test(local);
      if (result.ignored) ignoredBy = `matched ${layer.base ? `${layer.base}/` : ''}.gitignore`;
      else if (result.unignored) ignoredBy = undefined;
    }
    return ignoredBy;
  }

  private fromTop(dir: string): string {
    if (!this.rootFromTop) return dir;
    return dir ? `${this.rootFromTop}/${dir}` : this.rootFromTop;
  }

  private layerAt(base: string): Promise<IgnoreLayer | null> {
    let layer = this.layerCache.get(base);
    if (!layer) {
      const top = this.options.top ?? this.options.root;
      layer = fs.readFile(path.join(top, base, '.gitignore'), 'utf8').then(
        (text) => ({ base, matcher: new ForgetfulIgnore(text, this.answers) }),
        // No .gitignore here (or unreadable): nothing to honour.
        () => null,
      );
      this.layerCache.set(base, layer);
    }
    return layer;
  }
}

/**
 * The top folder of the git repository holding `folder` (the nearest folder, `folder` included,
 * with a `.git` entry), or undefined outside a repository.
 */
export async function repositoryTop(folder: string): Promise<string | undefined> {
  let current = folder;
  for (;;) {
    try {
      await fs.lstat(path.join(current, '.git'));
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}

/**
 * The patterns of a `files.exclude`-shaped setting that are on: VS Code's value maps each glob to
 * `true`, `false` or a `{ when }` condition on a sibling file, which a folder walk cannot judge, so
 * only plain `true` counts (anything else is left out rather than guessed).
 */
export function enabledExcludeGlobs(setting: unknown): string[] {
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) return [];
  return Object.entries(setting)
    .filter(([, enabled]) => enabled === true)
    .map(([pattern]) => pattern);
}

/** `a/b/c` -> [`a`, `a/b`, `a/b/c`]. */
function ancestorsOf(relativePath: string): string[] {
  const parts = relativePath.split('/').filter(Boolean);
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

function toPosix(value: string): string {
  return value.split(path.sep).join('/');
}
