import * as path from 'node:path';
import { languageOfPath } from './languages';

/*
 * The `{{variables}}` of a job's template, shared by building its requests (the body) and writing
 * its results (the output pattern), so both fill them the same way.
 */

/** What a template may refer to. */
export const TEMPLATE_VARIABLES = ['file.content', 'file.path', 'file.name', 'file.language'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** `{{ name }}`, the name captured. */
export const VARIABLE_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The file a template is rendered for. */
export interface TemplateFile {
  relativePath: string;
  content: string;
}

/** The value of each variable for one file. */
export function templateVariables(file: TemplateFile): Record<TemplateVariable, string> {
  return {
    'file.content': file.content,
    'file.path': file.relativePath,
    'file.name': path.posix.basename(file.relativePath),
    'file.language': languageOfPath(file.relativePath),
  };
}

/**
 * Fills `{{variables}}` in one pass: text substituted in (such as a file that itself contains
 * `{{file.path}}`) is never expanded again. The template was validated, so every name is known.
 */
export function renderTemplateText(text: string, file: TemplateFile): string {
  let rendered = '';
  for (const part of compiledTemplate(text)) rendered += typeof part === 'string' ? part : valueOf(part, file);
  return rendered;
}

/** A `{{ name }}` of a template, as written (`whole`) and its trimmed `name`. */
interface TemplateSlot {
  whole: string;
  name: string;
}

/** Templates cut into text and slots, by text: a job renders one template per row (100,000 times). */
const compiledTemplates = new Map<string, ReadonlyArray<string | TemplateSlot>>();
const MAX_COMPILED_TEMPLATES = 64;

function compiledTemplate(text: string): ReadonlyArray<string | TemplateSlot> {
  const parts = compiledTemplates.get(text);
  if (parts) return parts;
  const cut: Array<string | TemplateSlot> = [];
  let end = 0;
  for (const match of text.matchAll(VARIABLE_PATTERN)) {
    cut.push(text.slice(end, match.index));
    cut.push({ whole: match[0], name: match[1] });
    end = match.index + match[0].length;
  }
  cut.push(text.slice(end));
  if (compiledTemplates.size >= MAX_COMPILED_TEMPLATES) compiledTemplates.clear();
  compiledTemplates.set(text, cut);
  return cut;
}

/** One slot's value; only the variables the template uses are computed (a file's language is a look-up per row). */
function valueOf(slot: TemplateSlot, file: TemplateFile): string {
  switch (slot.name) {
    case 'file.content':
      return file.content;
    case 'file.path':
      return file.relativePath;
    case 'file.name':
      return path.posix.basename(file.relativePath);
    case 'file.language':
      return languageOfPath(file.relativePath);
    default: {
      const values = templateVariables(file);
      return slot.name in values ? String(values[slot.name as TemplateVariable]) : slot.whole;
    }
  }
}
