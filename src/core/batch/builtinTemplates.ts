/** A built-in template before the model is chosen (it takes the configured default model). */
export interface BuiltinTemplateSpec {
  name: string;
  description: string;
  maxTokens: number;
  system: string;
  body: string;
  outputPattern: string;
}

const FILE_BLOCK = 'File: {{file.path}} ({{file.language}})\n\n<file>\n{{file.content}}\n</file>';

/** The templates every workspace has; a `.batchlens/templates/<name>.md` of the same name replaces one. */
export const BUILTIN_TEMPLATES: readonly BuiltinTemplateSpec[] = [
  {
    name: 'summarize',
    description: 'A short summary of what each file is and does',
    maxTokens: 1024,
    system:
      'You summarize source files and documents for engineers who have not read them. Be accurate and concise: ' +
      'state the purpose first, then the main parts and how they fit together. Do not invent behaviour that is not in the file.',
    body: `Summarize this file in a few short paragraphs.\n\n${FILE_BLOCK}`,
    outputPattern: '{{file.path}}.summary.md',
  },
  {
    name: 'review',
    description: 'A code review: bugs, risks and concrete improvements',
    maxTokens: 2048,
    system:
      'You are a careful senior code reviewer. Report real problems only: bugs, security issues, race conditions, ' +
      'error handling gaps, and unclear code. For each, quote the line, explain the risk, and propose a fix. Say so when the file looks fine.',
    body: `Review this file.\n\n${FILE_BLOCK}`,
    outputPattern: '{{file.path}}.review.md',
  },
  {
    name: 'document',
    description: 'Reference documentation for the file\'s public API',
    maxTokens: 2048,
    system:
      'You write reference documentation for source code: every exported function, class and constant, its parameters, ' +
      'return value, errors, and a short example. Use Markdown. Describe only what the code does.',
    body: `Write reference documentation for this file.\n\n${FILE_BLOCK}`,
    outputPattern: '{{file.path}}.docs.md',
  },
  {
    name: 'explain',
    description: 'A walkthrough of the file for a newcomer',
    maxTokens: 2048,
    system:
      'You explain code to a developer new to the project. Walk through the file in reading order, explain why each part ' +
      'exists, and point out non-obvious details. Keep the explanation grounded in the file.',
    body: `Explain this file.\n\n${FILE_BLOCK}`,
    outputPattern: '{{file.path}}.explained.md',
  },
  {
    name: 'translate',
    description: 'The file translated into English, formatting kept',
    maxTokens: 4096,
    system:
      'You translate documents into English. Keep the structure, Markdown, code blocks and identifiers exactly as they are; ' +
      'translate only human-language text. Output only the translated document.',
    body: `Translate this file into English.\n\n${FILE_BLOCK}`,
    outputPattern: '{{file.path}}.en.md',
  },
  {
    name: 'classify',
    description: 'One category label per file, with a one-line reason',
    maxTokens: 256,
    system:
      'You classify files. Answer with a JSON object {"category": string, "confidence": "high"|"medium"|"low", "reason": string} ' +
      'where category is one of: source, test, config, documentation, data, build, other. Output only the JSON.',
    body: `Classify this file.\n\n${FILE_BLOCK}`,
    outputPattern: '{{file.path}}.class.json',
  },
  {
    name: 'extract',
    description: 'Structured facts from the file as JSON',
    maxTokens: 1024,
    system:
      'You extract structured facts from files as JSON: {"title": string, "entities": string[], "dates": string[], ' +
      '"todos": string[], "dependencies": string[]}. Use empty arrays when nothing applies. Output only the JSON.',
    body: `Extract the facts from this file.\n\n${FILE_BLOCK}`,
    outputPattern: '{{file.path}}.extract.json',
  },
];
