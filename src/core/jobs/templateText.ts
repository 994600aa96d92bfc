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
  const values = templateVariables(file);
  return text.replace(VARIABLE_PATTERN, (whole, name: string) => (name in values ? values[name as TemplateVariable] : whole));
}
