import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as Yaml from 'yaml';
import { BATCHLENS_API_VERSION, BATCHLENS_SDK_VERSION, REMOVED_PARAMETERS, isStrictVersion } from '../api/apiVersions';
import { BUILTIN_TEMPLATES } from './builtinTemplates';
import { TEMPLATE_VARIABLES, VARIABLE_PATTERN, renderTemplateText, templateVariables, type TemplateFile, type TemplateVariable } from '../jobs/templateText';

export { TEMPLATE_VARIABLES, renderTemplateText, templateVariables, type TemplateFile, type TemplateVariable };

export type CacheTtl = '5m' | '1h';

/** A prompt template ready to render: every field validated. */
export interface PromptTemplate {
  name: string;
  /** `built-in`, or the template file's workspace-relative path. */
  source: string;
  description?: string;
  model: string;
  maxTokens: number;
  system?: string;
  /** TTL of the cached system block; 1h by default because a batch can take longer than 5 minutes to reach every row. */
  ttl: CacheTtl;
  /** Output file pattern with the same variables as the body, e.g. `{{file.path}}.summary.md`. */
  outputPattern?: string;
  body: string;
}

/** A template that cannot be used; names the file and the 1-based line. Nothing is sent. */
export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/** No built-in or workspace template has the name asked for. */
export class TemplateNotFoundError extends Error {
  override name = 'TemplateNotFoundError';
}

/** Workspace templates live here, relative to the workspace root. */
export const TEMPLATES_DIR = '.batchlens/templates';

const FRONT_MATTER_KEYS = ['model', 'max_tokens', 'system', 'ttl', 'output', 'description'] as const;

/**
 * Parses a template file: optional YAML front matter between `---` lines (`model` required,
 * `max_tokens`, `system`, `ttl` 5m|1h, `output`, `description`), then the body.
 * Throws `TemplateError` with the file and line for invalid YAML, unknown keys, missing or
 * mistyped values, unknown `{{variables}}` in the body or the output pattern, and the sampling
 * parameters (`temperature`, `top_p`, `top_k`) that the API version Batchlens's SDK sends rejects:
 * every row carrying one would come back `errored` only after the whole batch ended.
 */
export function parseTemplate(text: string, file: string, name = templateNameOf(file)): PromptTemplate {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let bodyStart = 0;
  let front: Record<string, { value: unknown; line: number }> = {};
  if (lines[0]?.trim() === '---') {
    const close = lines.findIndex((line, index) => index > 0 && /^(---|\.\.\.)\s*$/.test(line));
    if (close < 0) throw new TemplateError(file, 1, 'front matter starts with `---` but has no closing `---` line');
    front = parseFrontMatter(lines.slice(1, close).join('\n'), file, 2);
    bodyStart = close + 1;
  }
  const body = lines.slice(bodyStart).join('\n').replace(/^\n+/, '');
  const bodyLineOffset = bodyStart + (lines.slice(bodyStart).join('\n').length - body.length);

  const model = front.model;
  if (!model) throw new TemplateError(file, 1, 'missing `model` in the front matter (e.g. `model: claude-sonnet-4-6`)');
  if (typeof model.value !== 'string' || !model.value.trim()) throw new TemplateError(file, model.line, '`model` must be a model id string');

  const template: PromptTemplate = {
    name,
    source: file,
    model: model.value.trim(),
    maxTokens: 1024,
    ttl: '1h',
    body,
  };
  if (front.max_tokens) {
    const { value, line } = front.max_tokens;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new TemplateError(file, line, '`max_tokens` must be a whole number of at least 1');
    template.maxTokens = value;
  }
  if (front.system) {
    const { value, line } = front.system;
    if (typeof value !== 'string' || !value.trim()) throw new TemplateError(file, line, '`system` must be non-empty text');
    template.system = value;
  }
  if (front.ttl) {
    const { value, line } = front.ttl;
    if (value !== '5m' && value !== '1h') throw new TemplateError(file, line, '`ttl` must be `5m` or `1h`');
    template.ttl = value;
  }
  if (front.description) {
    const { value, line } = front.description;
    if (typeof value !== 'string') throw new TemplateError(file, line, '`description` must be text');
    template.description = value;
  }
  if (front.output) {
    const { value, line } = front.output;
    if (typeof value !== 'string' || !value.trim()) throw new TemplateError(file, line, '`output` must be a file pattern such as `{{file.path}}.summary.md`');
    checkVariables(value, file, line);
    if (value.includes('{{file.content}}')) throw new TemplateError(file, line, '`output` cannot use {{file.content}}');
    template.outputPattern = value;
  }
  if (!body.trim()) throw new TemplateError(file, bodyLineOffset + 1, 'the template body (the prompt after the front matter) is empty');
  body.split('\n').forEach((line, index) => checkVariables(line, file, bodyLineOffset + index + 1));
  return template;
}

/** The built-in templates with the given default model. */
export function builtinTemplates(defaultModel: string): PromptTemplate[] {
  return BUILTIN_TEMPLATES.map((spec) => ({
    name: spec.name,
    source: 'built-in',
    description: spec.description,
    model: defaultModel,
    maxTokens: spec.maxTokens,
    system: spec.system,
    ttl: '1h',
    outputPattern: spec.outputPattern,
    body: spec.body,
  }));
}

/** A template the user can pick: built-in, or a workspace file (parsed lazily, so a bad one is reported on use). */
export interface TemplateChoice {
  name: string;
  source: string;
  description?: string;
}

/** Workspace templates first (they shadow built-ins of the same name), then the remaining built-ins. */
export async function listTemplates(root: string): Promise<TemplateChoice[]> {
  const workspace: TemplateChoice[] = [];
  try {
    const names = await fs.readdir(path.join(root, TEMPLATES_DIR));
    for (const name of names.filter((entry) => entry.endsWith('.md')).sort()) {
      workspace.push({ name: templateNameOf(name), source: `${TEMPLATES_DIR}/${name}` });
    }
  } catch {
    // No workspace templates.
  }
  const shadowed = new Set(workspace.map((choice) => choice.name));
  const builtins = BUILTIN_TEMPLATES.filter((spec) => !shadowed.has(spec.name)).map((spec) => ({
    name: spec.name,
    source: 'built-in',
    description: spec.description,
  }));
  return [...workspace, ...builtins];
}

/**
 * Finds a template by name or file: a path to an existing `.md` file (absolute or relative to
 * `root`), else `.batchlens/templates/<name>.md`, else a built-in. Throws `TemplateError` for a bad
 * template and `TemplateNotFoundError` when nothing has that name.
 */
export async function loadTemplate(root: string, nameOrFile: string, defaultModel: string): Promise<PromptTemplate> {
  const candidates: string[] = [];
  if (nameOrFile.endsWith('.md') || nameOrFile.includes('/') || nameOrFile.includes(path.sep)) candidates.push(path.resolve(root, nameOrFile));
  if (/^[\w.-]+$/.test(nameOrFile)) candidates.push(path.join(root, TEMPLATES_DIR, `${nameOrFile}.md`));
  for (const candidate of candidates) {
    let text: string;
    try {
      text = await fs.readFile(candidate, 'utf8');
    } catch {
      continue;
    }
    const shown = path.relative(root, candidate).split(path.sep).join('/');
    return parseTemplate(text, shown.startsWith('..') ? candidate : shown);
  }
  const builtin = builtinTemplates(defaultModel).find((template) => template.name === nameOrFile);
  if (builtin) return builtin;
  const known = (await listTemplates(root)).map((choice) => choice.name).join(', ');
  throw new TemplateNotFoundError(`no template named '${nameOrFile}' (known: ${known}; or give a path to a .md template)`);
}

function checkVariables(text: string, file: string, line: number): void {
  for (const match of text.matchAll(VARIABLE_PATTERN)) {
    const name = match[1];
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      throw new TemplateError(file, line, `unknown variable {{${name}}} (known: ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')})`);
    }
  }
}

let yamlModule: typeof Yaml | undefined;

/**
 * The YAML parser, loaded on the first template with front matter: it is a sixth of the bundle and
 * activation does not need it. A `require` inside a function keeps its evaluation lazy (esbuild.js
 * ships it as its own file beside the bundles).
 */
function loadYaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  yamlModule ??= require('yaml') as typeof Yaml;
  return yamlModule;
}

function parseFrontMatter(yamlText: string, file: string, firstLine: number): Record<string, { value: unknown; line: number }> {
  const { LineCounter, isMap, isScalar, parseDocument } = loadYaml();
  const lineCounter = new LineCounter();
  let document: Yaml.Document.Parsed;
  try {
    document = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    throw new TemplateError(file, firstLine, `invalid front matter: ${error instanceof Error ? error.message : String(error)}`);
  }
  const firstError = document.errors[0];
  if (firstError) {
    const line = lineCounter.linePos(Math.min(firstError.pos[0], Math.max(0, yamlText.length - 1))).line;
    throw new TemplateError(file, firstLine + line - 1, `invalid front matter: ${firstError.message.split('\n')[0]}`);
  }
  const fields: Record<string, { value: unknown; line: number }> = {};
  if (document.contents === null) return fields;
  if (!isMap(document.contents)) throw new TemplateError(file, firstLine, 'invalid front matter: expected `key: value` lines');
  for (const pair of document.contents.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    const offset = isScalar(pair.key) && pair.key.range ? pair.key.range[0] : 0;
    const line = firstLine + lineCounter.linePos(offset).line - 1;
    if (typeof key === 'string' && (REMOVED_PARAMETERS as readonly string[]).includes(key) && isStrictVersion(BATCHLENS_API_VERSION)) {
      throw new TemplateError(
        file,
        line,
        `\`${key}\` is not accepted under anthropic-version ${BATCHLENS_API_VERSION}, which Batchlens's SDK (@anthropic-ai/sdk ${BATCHLENS_SDK_VERSION}) sends: ` +
          'every row would fail; remove this line',
      );
    }
    if (typeof key !== 'string' || !(FRONT_MATTER_KEYS as readonly string[]).includes(key)) {
      throw new TemplateError(file, line, `unknown front matter key '${String(key)}' (known: ${FRONT_MATTER_KEYS.join(', ')})`);
    }
    const node = pair.value;
    const value = isScalar(node) ? node.value : node === null ? null : (node as { toJSON(): unknown }).toJSON();
    fields[key] = { value, line };
  }
  return fields;
}

function templateNameOf(file: string): string {
  return path.basename(file).replace(/\.md$/i, '');
}
