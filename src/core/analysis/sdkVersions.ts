import * as fs from 'node:fs';
import * as path from 'node:path';
import { API_VERSION_2023, API_VERSION_2026, FIRST_MAJOR_SENDING_2026, type SdkLanguage, apiVersionForSdk } from '../api/apiVersions';

/*
 * Which Anthropic SDK a workspace uses, read from its dependency files, and so which
 * `anthropic-version` its requests carry (BL008). Lock files give the installed version; manifests
 * give a range, which decides the version only when every version it allows agrees.
 */

/** What the workspace's dependency files say about one SDK. */
export interface SdkApiVersion {
  /** The `anthropic-version` the SDK sends, or undefined when the files do not settle it. */
  apiVersion?: string;
  /** Where it was read, e.g. `requirements.txt: anthropic>=2`. */
  source?: string;
}

export type WorkspaceSdkVersions = Partial<Record<'python' | 'typescript', SdkApiVersion>>;

const PY_LOCKS = ['uv.lock', 'poetry.lock'];
const JS_LOCK = 'package-lock.json';
const MAX_UP = 8;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The API version a requirement range allows, when every version in it agrees: an exact pin, a
 * lower bound at or above the first major that sends 2026-10-21, or an upper bound below it.
 */
export function apiVersionForRange(language: SdkLanguage, spec: string): string | undefined {
  const first = FIRST_MAJOR_SENDING_2026[language];
  const clauses = spec.split(',').map((clause) => clause.trim()).filter(Boolean);
  let lower: number | undefined;
  let upperBelowFirst = false;
  for (const clause of clauses) {
    const match = /^(===?|~=|\^|~|>=|>|<=|<|!=)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(clause);
    if (!match) continue;
    const [, op = '==', majorText, minorText, patchText] = match;
    const major = Number(majorText);
    const rest = Number(minorText ?? 0) + Number(patchText ?? 0);
    if (['==', '===', '^', '~', '~=', '>=', '>'].includes(op)) lower = Math.max(lower ?? 0, major);
    if (op === '==' || op === '===' || op === '^' || op === '~' || op === '~=') {
      if (major < first) upperBelowFirst = true;
    }
    if (op === '<' && (major < first || (major === first && rest === 0))) upperBelowFirst = true;
    if (op === '<=' && major < first) upperBelowFirst = true;
  }
  if (upperBelowFirst) return API_VERSION_2023;
  if (lower !== undefined && lower >= first) return API_VERSION_2026;
  return undefined;
}

function pythonFromLock(dir: string): SdkApiVersion | undefined {
  for (const name of PY_LOCKS) {
    const text = read(path.join(dir, name));
    if (!text) continue;
    const match = /\[\[package\]\]\s*\nname\s*=\s*"anthropic"\s*\nversion\s*=\s*"([^"]+)"/.exec(text);
    if (match) return { apiVersion: apiVersionForSdk('python', match[1]), source: `${name}: anthropic ${match[1]}` };
  }
  return undefined;
}

/** `anthropic>=2`, `anthropic[bedrock]==2.1.0`, `anthropic` from requirements*.txt or pyproject.toml text. */
function pythonRequirement(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim().replace(/^["']|["'],?$/g, '');
    const match = /^anthropic(?:\[[^\]]*\])?\s*((?:[<>=!~^]=?|===)\s*[^;"']*)?(?:;.*)?$/i.exec(line);
    if (match) return (match[1] ?? '').trim();
    const poetry = /^anthropic\s*=\s*(?:"([^"]*)"|\{[^}]*version\s*=\s*"([^"]*)")/i.exec(raw.trim());
    if (poetry) return (poetry[1] ?? poetry[2] ?? '').trim();
  }
  return undefined;
}

function pythonFromManifests(dir: string): SdkApiVersion | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => /^requirements.*\.txt$/i.test(name)).sort();
  } catch {
    return undefined;
  }
  for (const name of [...names, 'pyproject.toml']) {
    const text = read(path.join(dir, name));
    if (!text) continue;
    const spec = pythonRequirement(text);
    if (spec === undefined) continue;
    return { apiVersion: spec ? apiVersionForRange('python', spec) : undefined, source: `${name}: anthropic${spec ? spec : ' (no version)'}` };
  }
  return undefined;
}

function typescriptFrom(dir: string): SdkApiVersion | undefined {
  const lock = read(path.join(dir, JS_LOCK));
  if (lock) {
    try {
      const version = (JSON.parse(lock) as { packages?: Record<string, { version?: string }> }).packages?.['node_modules/@anthropic-ai/sdk']?.version;
      if (version) return { apiVersion: apiVersionForSdk('typescript', version), source: `${JS_LOCK}: @anthropic-ai/sdk ${version}` };
    } catch {
      // A broken lock file says nothing; the manifest may.
    }
  }
  const manifest = read(path.join(dir, 'package.json'));
  if (!manifest) return undefined;
  try {
    const json = JSON.parse(manifest) as Record<string, Record<string, string> | undefined>;
    const range = json.dependencies?.['@anthropic-ai/sdk'] ?? json.devDependencies?.['@anthropic-ai/sdk'] ?? json.peerDependencies?.['@anthropic-ai/sdk'];
    if (range === undefined) return undefined;
    return { apiVersion: apiVersionForRange('typescript', range), source: `package.json: @anthropic-ai/sdk ${range}` };
  } catch {
    return undefined;
  }
}

/**
 * Looks for dependency files in `start` and its parents (up to a folder with `.git`, or 8 levels):
 * the nearest folder that names the SDK wins, lock files before manifests.
 */
export function detectSdkVersions(start: string): WorkspaceSdkVersions {
  const found: WorkspaceSdkVersions = {};
  let dir = path.resolve(start);
  for (let level = 0; level < MAX_UP; level += 1) {
    found.python ??= pythonFromLock(dir) ?? pythonFromManifests(dir);
    found.typescript ??= typescriptFrom(dir);
    if ((found.python && found.typescript) || fs.existsSync(path.join(dir, '.git'))) break;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return found;
}

/**
 * The SDK versions for each file of a workspace: the dependency files nearest the file win, looked
 * for from its folder up to `root` (or, without one, up to a folder with `.git`). A monorepo's
 * `packages/api` with its own package.json gets its own answer. Cached per folder.
 */
export class SdkVersionsByFolder {
  private readonly cache = new Map<string, WorkspaceSdkVersions>();
  private readonly root: string | undefined;

  constructor(root?: string) {
    this.root = root === undefined ? undefined : path.resolve(root);
  }

  forFile(file: string): WorkspaceSdkVersions {
    return this.forFolder(path.dirname(path.resolve(file)));
  }

  forFolder(folder: string): WorkspaceSdkVersions {
    const dir = path.resolve(folder);
    const cached = this.cache.get(dir);
    if (cached) return cached;
    const python = pythonFromLock(dir) ?? pythonFromManifests(dir);
    const typescript = typescriptFrom(dir);
    const parent = path.dirname(dir);
    const last = parent === dir || dir === this.root || fs.existsSync(path.join(dir, '.git')) || (this.root !== undefined && path.relative(this.root, dir).startsWith('..'));
    const above = last || (python && typescript) ? {} : this.forFolder(parent);
    const found: WorkspaceSdkVersions = {};
    const pythonFound = python ?? above.python;
    const typescriptFound = typescript ?? above.typescript;
    if (pythonFound) found.python = pythonFound;
    if (typescriptFound) found.typescript = typescriptFound;
    this.cache.set(dir, found);
    return found;
  }
}
