import type { RuleCode } from './ruleRegistry';
import type { CrossFileEvidence } from './workspaceIndex';

/**
 * What the analyzer reports about one source file. Offsets are UTF-16 code-unit offsets into the
 * analysed text (what VS Code's `document.positionAt` takes); lines and columns are 0-based here
 * and converted to 1-based only by the CLI's printers.
 */
export type SourceLanguage = 'python' | 'typescript' | 'typescriptreact' | 'javascript' | 'javascriptreact';

export interface SourceRange {
  start: number;
  end: number;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export type PromptKind =
  | 'named-constant'
  | 'multiline-string'
  | 'template'
  | 'few-shot'
  | 'sdk-argument'
  /** A prompt variable or template local to a function. */
  | 'local'
  /** A prompt a function or arrow function returns (the range is the function). */
  | 'returned'
  /** A prompt field of an object literal, dict, keyword argument or message list. */
  | 'field'
  /** A prompt file read by path (`file`); its text is read by whoever prices it. */
  | 'prompt-file'
  /** A whole SDK request's known input (tools + system + messages), in AnalysisResult.calls. */
  | 'request';

/** A prompt constant the cost lens prices. */
export interface PromptConstant {
  /** The variable name, or a synthetic one such as `system (messages.create)` for an inline argument. */
  name: string;
  kind: PromptKind;
  /** Range of the whole declaration or argument, where the CodeLens goes. */
  range: SourceRange;
  /** The prompt text as best known statically; interpolated non-constant parts are kept as `{…}` placeholders. */
  text: string;
  /** True when parts of the text are only known at run time. */
  hasDynamicParts: boolean;
  /** The model of the SDK call that uses it, when that is a literal or a module constant. */
  model?: string;
  /** True when this text is sent under a cache_control breakpoint (cached prefix). */
  cached?: boolean;
  /** For a `prompt-file`: the path as the code writes it, relative to the source file's folder. */
  file?: string;  /** For a `request`: the prompt files it sends (paths as for `file`), whose text counts in its total once read. */
  files?: string[];
}

export type Severity = 'error' | 'warning' | 'info';

/** The rule codes, from the one rule registry. */
export type { RuleCode };

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

/** Another place a finding points to: the breakpoint, or a step the value took (VS Code relatedInformation, SARIF relatedLocations). */
export interface RelatedLocation {
  message: string;
  range: SourceRange;
}

export interface Finding {
  code: RuleCode;
  severity: Severity;
  message: string;
  range: SourceRange;
  fixes: Fix[];
  /** Related places in the same file, in the order the value travels; absent when there are none. */
  related?: RelatedLocation[];
}

export interface AnalysisOptions {
  /** Model assumed when a call's model is not a literal or module constant. */
  defaultModel: string;
  /** Rules switched off by the user. */
  disabledRules?: RuleCode[];
  /** `batchlens.lint.reportUnknownValues`: an info for a value of unknown stability in a cached prefix (default off: silent). */
  reportUnknownValues?: boolean;
  /**
   * Minimum cacheable tokens per model id, for BL003 (from the catalog): null when the catalog knows
   * the model but publishes no minimum for it, undefined when it cannot place the model at all.
   */
  minCacheableTokens?: (model: string) => number | null | undefined;
  /** The largest minimum the catalog publishes for any model: below it, an unpublished minimum could matter (BL003). */
  largestMinCacheableTokens?: number;
  /** Token estimate for a text under a model (from src/core/tokens), for BL003. */
  estimateTokens?: (text: string, model: string) => number;
  /** The `anthropic-version` the workspace's SDK sends, per language, from its dependency files (BL008; see sdkVersions.ts). */
  sdkApiVersions?: Partial<Record<'python' | 'typescript', { apiVersion?: string; source?: string }>>;
  /** Stability evidence from other workspace files (callers of this file's functions, imported helpers): see workspaceIndex.ts. */
  crossFile?: CrossFileEvidence;
  /** The day models are checked against for retirement (BL007), ISO; default today. */
  today?: string;
}

export interface AnalysisResult {
  language: SourceLanguage;
  prompts: PromptConstant[];
  findings: Finding[];
  /** One entry per SDK request written in the file: its whole known input per call (kind `request`). */
  calls?: PromptConstant[];
  /** Set when the text could not be parsed at all (binary, too large); prompts and findings are empty. */
  skippedReason?: string;
}

/** A change to a document, as VS Code reports it (offsets into the text before the change). */
export interface TextChange {
  start: number;
  oldEnd: number;
  newText: string;
}

/** Keeps one document's parse tree so an edit re-parses and re-walks only what changed. */
export interface AnalysisSession {
  /** Applies `changes` (in order) to the previous text, or analyses `text` from scratch when none are given. */
  update(text: string, options: AnalysisOptions, changes?: TextChange[]): AnalysisResult;
  dispose(): void;
}

/** Created once (loads the tree-sitter runtime and grammars), then shared by every document. */
export interface Analyzer {
  analyze(text: string, language: SourceLanguage, options: AnalysisOptions): AnalysisResult;
  createSession(language: SourceLanguage): AnalysisSession;
  /** Loads the language's grammar if the analyzer was loaded without it; resolves at once otherwise. */
  prepare(language: SourceLanguage): Promise<void>;
}
