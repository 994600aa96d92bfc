import { type BpeCounts, addBpeCounts, countBpeBounded, emptyBpeCounts } from './bpeCounter';
import { imageTokens, pdfPageCount } from './mediaTokens';
import { pdfText } from './pdfText';
import { documentedThinkingTokens } from './hiddenPrompts';
import { toolPromptTokens } from './toolPrompt';

/*
 * Walks a Messages request body (any shape: it comes from users' files and code) into the counts
 * the estimator prices. It never throws: anything unexpected is measured as its JSON text.
 */

/** Countable pieces of a request's structure; each is priced by a framing coefficient. */
export interface RequestStructure {
  /** Message turns. */
  messages: number;
  /**
   * 1 when the last turn is the user's, so the API opens the assistant's turn after it; 0 when the
   * request ends with an assistant turn (a prefill), which the model continues as is.
   */
  assistantOpeners: number;
  /** 1 when the request has a non-empty system prompt. */
  systemPrompts: number;
  /** Content blocks after the first one of each message or system prompt (each is delimited). */
  extraBlocks: number;
  /** Document blocks (each wrapped in its own markup with source and title). */
  documents: number;
  /** tool_use and tool_result blocks (each wrapped with the tool name or id). */
  toolBlocks: number;
  /** Tool definitions. */
  tools: number;
  /** PDF pages: each is sent as an image of the page besides its text (the text is counted as text). */
  pdfPages: number;
}

/**
 * Request options that make the API add a hidden instruction to the prompt. Their sizes are priced
 * per tokenizer generation (hiddenPrompts.ts), since the instruction is text in the model's tokenizer.
 */
export interface HiddenPromptCounts {
  /** 1 when thinking is "enabled" with a budget. */
  thinkingEnabled: number;
  /** 1 when thinking is "adaptive". */
  thinkingAdaptive: number;
  /** 1 when the request asks for structured output (a JSON schema the reply must follow). */
  outputFormats: number;
  /** Document blocks with citations enabled (the API adds instructions on citing). */
  citationDocuments: number;
}

export const HIDDEN_PROMPT_NAMES: ReadonlyArray<keyof HiddenPromptCounts> = ['thinkingEnabled', 'thinkingAdaptive', 'outputFormats', 'citationDocuments'];

export const STRUCTURE_NAMES: ReadonlyArray<keyof RequestStructure> = [
  'messages',
  'assistantOpeners',
  'systemPrompts',
  'extraBlocks',
  'documents',
  'toolBlocks',
  'tools',
  'pdfPages',
];

/** Everything the estimator needs to know about one request body. */
export interface RequestFeatures {
  structure: RequestStructure;
  /** Hidden instructions priced by the fitted per-generation rates. */
  hidden: HiddenPromptCounts;
  /** Hidden instructions whose size is documented for this very model (hiddenPrompts.ts), in tokens. */
  documentedHiddenTokens: number;
  systemText: BpeCounts;
  messagesText: BpeCounts;
  /** Tool names, descriptions and schemas, plus any output-format schema. */
  toolsText: BpeCounts;
  /** Tokens of the documented hidden tool-use system prompt (0 without tools). */
  toolPromptTokens: number;
  /** Tokens of images and PDF pages, from documented rules. */
  mediaTokens: number;
}

/** Server and Anthropic-defined tools whose definition cost is documented (tool reference). */
const DOCUMENTED_TOOL_DEFINITION_TOKENS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^bash_/, 245],
  [/^text_editor_/, 700],
  [/^computer_/, 735],
];

/** Glyphs of a PDF's embedded fonts (unreadable): about four characters per token, as English prose. */
const CHARS_PER_TOKEN_UNREAD = 4;

/** Deeper nesting than this is measured as JSON text: it guards against pathological input. */
const MAX_DEPTH = 16;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

class FeatureWalker {
  readonly features: RequestFeatures = {
    structure: {
      messages: 0,
      assistantOpeners: 0,
      systemPrompts: 0,
      extraBlocks: 0,
      documents: 0,
      toolBlocks: 0,
      tools: 0,
      pdfPages: 0,
    },
    hidden: { thinkingEnabled: 0, thinkingAdaptive: 0, outputFormats: 0, citationDocuments: 0 },
    documentedHiddenTokens: 0,
    systemText: emptyBpeCounts(),
    messagesText: emptyBpeCounts(),
    toolsText: emptyBpeCounts(),
    toolPromptTokens: 0,
    mediaTokens: 0,
  };

  addText(into: BpeCounts, text: string | undefined): void {
    if (text) addBpeCounts(into, countBpeBounded(text));
  }

  /** A string, or a list of blocks, as found in `system`, `content`, tool results and documents. */
  addContent(into: BpeCounts, content: unknown, depth: number, countsLastAssistantThinking: boolean): void {
    if (typeof content === 'string') {
      this.addText(into, content);
      return;
    }
    if (!Array.isArray(content)) {
      if (content !== undefined && content !== null) this.addText(into, safeJson(content));
      return;
    }
    content.forEach((block, index) => {
      if (index > 0) this.features.structure.extraBlocks += 1;
      this.addBlock(into, block, depth + 1, countsLastAssistantThinking);
    });
  }

  addBlock(into: BpeCounts, block: unknown, depth: number, countsThinking: boolean): void {
    if (typeof block === 'string') {
      this.addText(into, block);
      return;
    }
    if (!isRecord(block) || depth > MAX_DEPTH) {
      this.addText(into, safeJson(block));
      return;
    }
    switch (block.type) {
      case 'text':
        this.addText(into, stringOf(block.text) ?? safeJson(block.text));
        return;
      case 'image':
        this.features.mediaTokens += imageTokens(this.base64Data(block.source));
        return;
      case 'document':
        this.addDocument(into, block, depth);
        return;
      case 'tool_use':
      case 'server_tool_use':
        this.features.structure.toolBlocks += 1;
        this.addText(into, stringOf(block.name));
        this.addText(into, safeJson(block.input));
        return;
      case 'tool_result':
        this.features.structure.toolBlocks += 1;
        this.addContent(into, block.content, depth, countsThinking);
        return;
      case 'thinking':
        // Thinking from earlier turns is stripped before the model sees it; only that of an
        // assistant turn still in progress (a tool loop) is kept.
        if (countsThinking) this.addText(into, stringOf(block.thinking));
        return;
      case 'redacted_thinking':
        return;
      case 'search_result':
        this.addText(into, stringOf(block.title));
        this.addText(into, stringOf(block.source));
        this.addContent(into, block.content, depth, countsThinking);
        return;
      default:
        this.addText(into, safeJson(block));
    }
  }

  base64Data(source: unknown): string | undefined {
    return isRecord(source) && source.type === 'base64' ? stringOf(source.data) : undefined;
  }

  addDocument(into: BpeCounts, block: Record<string, unknown>, depth: number): void {
    this.features.structure.documents += 1;
    if (isRecord(block.citations) && block.citations.enabled === true) this.features.hidden.citationDocuments += 1;
    this.addText(into, stringOf(block.title));
    this.addText(into, stringOf(block.context));
    const source = block.source;
    if (!isRecord(source)) {
      this.addText(into, safeJson(source));
      return;
    }
    if (source.type === 'text') this.addText(into, stringOf(source.data));
    else if (source.type === 'content') this.addContent(into, source.content, depth, false);
    else if (source.type === 'base64') this.addPdf(into, stringOf(source.data));
    else this.features.structure.pdfPages += 1; // a URL or file id: one page, the least it can be
  }

  addPdf(into: BpeCounts, base64Data: string | undefined): void {
    this.features.structure.pdfPages += pdfPageCount(base64Data);
    const shown = pdfText(base64Data);
    this.addText(into, shown.text);
    this.features.mediaTokens += shown.hexGlyphs / CHARS_PER_TOKEN_UNREAD;
  }

  addSystem(system: unknown): void {
    if (system === undefined || system === null || system === '' || (Array.isArray(system) && system.length === 0)) return;
    this.features.structure.systemPrompts = 1;
    this.addContent(this.features.systemText, system, 0, false);
  }

  addMessages(messages: unknown): void {
    if (!Array.isArray(messages)) {
      if (messages !== undefined && messages !== null) this.addText(this.features.messagesText, safeJson(messages));
      return;
    }
    const isAssistant = messages.map((message) => isRecord(message) && message.role === 'assistant');
    const lastAssistant = isAssistant.lastIndexOf(true);
    if (!isAssistant[isAssistant.length - 1]) this.features.structure.assistantOpeners = 1;
    messages.forEach((message, index) => {
      this.features.structure.messages += 1;
      if (!isRecord(message)) {
        this.addText(this.features.messagesText, safeJson(message));
        return;
      }
      this.addContent(this.features.messagesText, message.content, 0, index === lastAssistant && this.continuesTurn(messages, index));
    });
  }

  /**
   * Whether the assistant turn at `index` is still open: the request ends with it (a prefill) or
   * with the tool results it asked for. Only then is its thinking part of the prompt.
   */
  continuesTurn(messages: unknown[], index: number): boolean {
    if (index === messages.length - 1) return true;
    const next = messages[index + 1];
    return isRecord(next) && Array.isArray(next.content) && next.content.some((block) => isRecord(block) && block.type === 'tool_result');
  }

  addTools(tools: unknown, toolChoice: unknown, model: string | undefined): void {
    if (!Array.isArray(tools) || tools.length === 0) return;
    const choiceType = isRecord(toolChoice) ? stringOf(toolChoice.type) : stringOf(toolChoice);
    this.features.toolPromptTokens = toolPromptTokens(model, choiceType);
    for (const tool of tools) {
      this.features.structure.tools += 1;
      const type = isRecord(tool) ? stringOf(tool.type) : undefined;
      const documented = type ? DOCUMENTED_TOOL_DEFINITION_TOKENS.find(([pattern]) => pattern.test(type)) : undefined;
      if (documented) {
        this.features.mediaTokens += documented[1];
        continue;
      }
      // The API renders each definition as its name, description and JSON schema; caching marks are not sent.
      const rendered = isRecord(tool) ? { ...tool, cache_control: undefined } : tool;
      this.addText(this.features.toolsText, safeJson(rendered));
    }
  }

  addThinking(thinking: unknown, model: string | undefined): void {
    if (!isRecord(thinking) || (thinking.type !== 'enabled' && thinking.type !== 'adaptive')) return;
    const mode = thinking.type;
    const documented = documentedThinkingTokens(model, mode);
    if (documented !== undefined) this.features.documentedHiddenTokens += documented;
    else if (mode === 'enabled') this.features.hidden.thinkingEnabled = 1;
    else this.features.hidden.thinkingAdaptive = 1;
  }

  addOutputFormat(body: Record<string, unknown>): void {
    // Structured outputs send a JSON schema the model is shown (output_config.format or output_format).
    const config = isRecord(body.output_config) ? body.output_config : undefined;
    const format = config?.format ?? body.output_format;
    if (isRecord(format) && format.schema !== undefined) {
      this.features.hidden.outputFormats = 1;
      this.addText(this.features.toolsText, safeJson(format.schema));
    }
  }
}

/**
 * Measures a Messages request body for the estimator. `model` overrides `body.model` (it picks the
 * documented tool-use prompt size). Fields that cost no prompt tokens (max_tokens, stream,
 * temperature, stop_sequences, service_tier, metadata…) are ignored.
 */
export function measureRequest(body: unknown, model?: string): RequestFeatures {
  const walker = new FeatureWalker();
  if (!isRecord(body)) {
    if (Array.isArray(body)) walker.addMessages(body);
    else if (typeof body === 'string') walker.addMessages([{ role: 'user', content: body }]);
    return walker.features;
  }
  walker.addSystem(body.system);
  walker.addMessages(body.messages);
  walker.addTools(body.tools, body.tool_choice, model ?? stringOf(body.model));
  walker.addThinking(body.thinking, model ?? stringOf(body.model));
  walker.addOutputFormat(body);
  return walker.features;
}
