/**
 * Which files talk to a model. A prompt lens only makes sense in code that sends text to an LLM:
 * a file that imports an LLM client, calls a model API or names a model id, or a module such a
 * file imports (a `prompts.py` next to `agent.py`). Elsewhere (`WELCOME_EMAIL` of a mailer, a CLI
 * banner) a "system message" is not a prompt. Text-only checks, cheap enough to run on every file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detached } from '../util/detached';

/** Import roots of LLM clients and frameworks (Python modules and npm packages). */
const LLM_MODULES = new Set([
  'anthropic', '@anthropic-ai/sdk', '@anthropic-ai/bedrock-sdk', '@anthropic-ai/vertex-sdk', '@anthropic-ai/claude-agent-sdk', 'claude_agent_sdk',
  'openai', 'ai', '@ai-sdk', '@openrouter/ai-sdk-provider', 'langchain', 'langchain_core', 'langchain_anthropic', 'langchain_openai', 'langchain_community', '@langchain',
  'langgraph', '@langchain/langgraph', 'llama_index', 'llamaindex', 'litellm', 'google.generativeai', 'google.genai', '@google/generative-ai', '@google/genai', 'vertexai',
  'cohere', 'cohere-ai', 'mistralai', '@mistralai/mistralai', 'groq', 'groq-sdk', 'ollama', 'together', 'replicate', 'huggingface_hub', 'instructor', 'dspy',
  'pydantic_ai', 'smolagents', 'autogen', 'crewai', 'semantic_kernel', 'haystack', 'guidance', 'marvin', 'mirascope', 'outlines', 'llm', 'boto3',
  '@aws-sdk/client-bedrock-runtime', 'modelcontextprotocol', '@modelcontextprotocol/sdk', 'mcp', 'agents', '@openai/agents', 'magentic', 'llamaapi',
]);

const PYTHON_IMPORT = /^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+([\w ,.()*\n\\]+?)$|import[ \t]+([\w., \t]+))/gm;
const JS_IMPORT = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)['"]([^'"\n]+)['"]/gm;
/** Calls and model ids that only code talking to a model writes. */
const MODEL_USE = /\.(?:messages|completions|responses|beta\.messages)\.(?:create|stream|parse)\s*\(|\b(?:generateText|streamText|generateObject|streamObject|ChatAnthropic|ChatOpenAI|invoke_model|converse)\s*\(|['"`](?:(?:[a-z]{2}\.)?anthropic\.)?claude-[a-z0-9.-]+|['"`](?:gpt-[0-9]|o[134]-|gemini-|mistral-|llama-?[0-9])/;

/** The modules a source text imports, as written (`anthropic`, `./prompts`, `.prompts`, `app.prompts.system`). */
export function importedModules(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(PYTHON_IMPORT)) {
    if (match[1]) {
      out.push(match[1]);
      // `from . import prompts` and `from app import prompts` import modules by name.
      for (const name of (match[2] ?? '').replace(/[()\\]/g, ' ').split(',')) {
        const word = name.trim().split(/\s+/)[0];
        if (word && /^\w+$/.test(word)) out.push(`${match[1].replace(/\.$/, '')}.${word}`);
      }
    } else if (match[3]) {
      for (const name of match[3].split(',')) {
        const word = name.trim().split(/\s+/)[0];
        if (word) out.push(word);
      }
    }
  }
  for (const match of text.matchAll(JS_IMPORT)) out.push(match[1]);
  return out;
}

/** True when the text imports an LLM client or calls/names a model. */
export function talksToModel(text: string): boolean {
  for (const spec of importedModules(text)) {
    const roots = [spec, spec.split('/').slice(0, 2).join('/'), spec.split('/')[0], spec.split('.')[0], spec.split('.').slice(0, 2).join('.')];
    if (roots.some((root) => LLM_MODULES.has(root))) return true;
  }
  return MODEL_USE.test(text);
}

/** The name other files import `file` by: its file name without extension (`__init__.py`: its folder's). */
export function moduleNameOf(file: string): string {
  const stem = path.basename(file).replace(/\.(?:py|[cm]?[jt]sx?|ipynb)$/, '');
  return stem === '__init__' ? path.basename(path.dirname(file)) : stem;
}

/** The last segment of each module a text imports (`app.prompts` → `prompts`, `./lib/prompts.js` → `prompts`). */
export function importedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const spec of importedModules(text)) {
    const last = spec.replace(/\.(?:[cm]?[jt]sx?)$/, '').split(/[/.]/).filter(Boolean).pop();
    // A copy: the names outlive the text (kept per neighbour file and per CLI run), which a cut would keep whole.
    if (last) names.add(detached(last));
  }
  return names;
}

const SOURCE_FILE = /\.(?:py|[cm]?[jt]sx?)$/;
const MAX_NEIGHBOUR_BYTES = 1_000_000;
const MAX_NEIGHBOURS = 400;

/** What a file says about models, cached by path and modification time (neighbours are read once). */
interface FileFacts {
  mtimeMs: number;
  talks: boolean;
  imports: Set<string>;
}
const factsCache = new Map<string, FileFacts>();
const MAX_CACHED_FILES = 20_000;

function factsOf(file: string): FileFacts | undefined {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > MAX_NEIGHBOUR_BYTES) return undefined;
    const cached = factsCache.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs) return cached;
    const text = fs.readFileSync(file, 'utf8');
    const facts = { mtimeMs: stat.mtimeMs, talks: talksToModel(text), imports: importedNames(text) };
    if (factsCache.size >= MAX_CACHED_FILES) factsCache.clear();
    factsCache.set(file, facts);
    return facts;
  } catch {
    return undefined;
  }
}

/**
 * Module names imported by files that talk to a model: those of a set of known texts (the files a
 * CLI run collected), built once so each file's question is a set lookup.
 */
export class ModelImporters {
  private readonly names = new Set<string>();

  add(text: string): void {
    if (!talksToModel(text)) return;
    for (const name of importedNames(text)) this.names.add(name);
  }

  has(file: string): boolean {
    return this.names.has(moduleNameOf(file));
  }
}

/**
 * Whether the prompts of `file` (whose text is `text`) deserve a lens: the file talks to a model,
 * or a file that does imports it. Importers are looked for in `importers` (the files a CLI run
 * collected) and among the source files of the file's own folder and the folder above (where an
 * `agent.py` or `app/main.ts` importing `prompts` usually sits).
 */
export function reachesModel(file: string, text: string, importers?: ModelImporters): boolean {
  if (talksToModel(text)) return true;
  if (importers?.has(file)) return true;
  // The editor asks on every edit: the neighbours' answer holds for a few seconds.
  const recent = neighbourAnswers.get(file);
  if (recent && Date.now() - recent.at < NEIGHBOUR_ANSWER_MS) return recent.value;
  const value = importedByNeighbour(file);
  if (neighbourAnswers.size >= MAX_CACHED_FILES) neighbourAnswers.clear();
  neighbourAnswers.set(file, { at: Date.now(), value });
  return value;
}

const NEIGHBOUR_ANSWER_MS = 10_000;
const neighbourAnswers = new Map<string, { at: number; value: boolean }>();

function importedByNeighbour(file: string): boolean {
  const name = moduleNameOf(file);
  const folder = path.dirname(file);
  for (const candidate of [...neighbours(folder), ...neighbours(path.dirname(folder))]) {
    if (candidate === file) continue;
    const facts = factsOf(candidate);
    if (facts?.talks && facts.imports.has(name)) return true;
  }
  return false;
}

function neighbours(folder: string): string[] {
  try {
    return fs
      .readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile() && SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts'))
      .slice(0, MAX_NEIGHBOURS)
      .map((entry) => path.join(folder, entry.name));
  } catch {
    return [];
  }
}

/** Prompt files larger than this are not read (a data dump, not a prompt). */
const MAX_PROMPT_FILE_BYTES = 2_000_000;

/**
 * The text of a prompt file a source file reads by path (`open("prompts/x.md")` is relative to the
 * working directory, `path.join(__dirname, "x.md")` to the file's folder: both are tried, the
 * file's folder first), or undefined when it is not found or too large.
 */
export function readPromptFile(sourceFile: string, file: string, cwd?: string): string | undefined {
  const candidates = path.isAbsolute(file) ? [file] : [path.resolve(path.dirname(sourceFile), file), ...(cwd ? [path.resolve(cwd, file)] : []), ...ancestors(path.dirname(sourceFile)).map((folder) => path.resolve(folder, file))];
  for (const candidate of candidates) {
    try {
      const stat = fs.statSync(candidate);
      if (!stat.isFile() || stat.size > MAX_PROMPT_FILE_BYTES) continue;
      return fs.readFileSync(candidate, 'utf8');
    } catch {
      continue;
    }
  }
  return undefined;
}

/** The folders above `folder`, nearest first, up to three levels (where a script's working directory usually is). */
function ancestors(folder: string): string[] {
  const out: string[] = [];
  let current = folder;
  for (let level = 0; level < 3 && path.dirname(current) !== current; level++) {
    current = path.dirname(current);
    out.push(current);
  }
  return out;
}
