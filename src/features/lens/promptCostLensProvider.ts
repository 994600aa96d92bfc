import vscode = require('vscode');
import { readPromptFile, reachesModel } from '../../core/analysis/llmFiles';
import { lensShownFor } from '../../core/analysis/sourceFiles';
import type { PromptConstant } from '../../core/analysis/types';
import type { BatchlensConfig } from '../../host/config';
import { toRange } from '../../host/convert';
import type { HostServices } from '../../host/services';
import { NOTEBOOK_CELL_SCHEME, notebookOf, type DocumentAnalysisCache } from '../analysis/documentAnalysisCache';
import { type PricingOptions, pricePrompt, pricingOptions, promptModel } from '../../core/analysis/promptPricing';
import type { PromptTokenCount, PromptTokenCounts } from '../analysis/promptTokenCounts';
import { SHOW_PROMPT_PRICES_COMMAND, type PromptPricesArgs } from '../prices/promptPricesArgs';
import { cacheMinimumLensTitle, costLensTitle, costLensTooltip, isBelowCacheMinimum, looksLikeSystemPrompt, missingPromptFileLensTitle } from './lensText';

/** A lens whose title is filled in lazily by `resolveCodeLens`. */
class PromptCostLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly prompt: PromptConstant,
    /** The settings of the lens's file (multi-root: its folder's). */
    readonly config: BatchlensConfig,
  ) {
    super(range);
  }
}

/**
 * CodeLens above each prompt constant: tokens and price per call (sync, batch, cache read), plus a
 * warning when a cached (or system) prompt is below the model's cache minimum. `provideCodeLenses`
 * only places lenses from the shared analysis; pricing happens in `resolveCodeLens`, for visible
 * lenses only. An exact count arriving later refreshes the lenses; nothing waits for the network.
 */
export class PromptCostLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly subscription: vscode.Disposable;
  /** Whether a document talks to a model (or is imported by a file that does), by document and version. */
  private readonly reach = new Map<string, { version: number; value: boolean }>();

  constructor(
    private readonly services: HostServices,
    private readonly cache: DocumentAnalysisCache,
    private readonly tokenCounts: PromptTokenCounts,
  ) {
    this.subscription = vscode.Disposable.from(
      tokenCounts.onDidCountExactly(() => this.refresh()),
      // A notebook is one program: an edit in one cell can move the lenses of the others.
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document.uri.scheme === NOTEBOOK_CELL_SCHEME && event.contentChanges.length > 0) {
          this.refresh();
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.reach.delete(document.uri.toString())),
    );
  }

  /** Asks VS Code to re-query the lenses (settings changed, an exact count arrived). */
  refresh(): void {
    this.changeEmitter.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    try {
      const config = this.services.config.forResource(notebookOf(document)?.uri ?? document.uri);
      if (!config.lensEnabled) {
        return [];
      }
      if (!this.shownIn(document, config)) {
        return [];
      }
      const result = await this.cache.analyze(document);
      if (!result || !this.talksToModel(document)) {
        return [];
      }
      const lenses: vscode.CodeLens[] = [];
      for (const found of result.prompts) {
        const range = toRange(document, found.range);
        const prompt = this.withFileText(document, found);
        if (!prompt) {
          lenses.push(new vscode.CodeLens(range, { title: missingPromptFileLensTitle(found.file ?? ''), command: '' }));
          continue;
        }
        lenses.push(new PromptCostLens(range, prompt, config));
        const warning = this.cacheMinimumLens(range, prompt, config);
        if (warning) {
          lenses.push(warning);
        }
      }
      return lenses;
    } catch (error) {
      this.services.log.error(`Placing prompt cost lenses in ${document.uri.toString(true)} failed`, error);
      return [];
    }
  }

  resolveCodeLens(lens: vscode.CodeLens): vscode.CodeLens {
    if (!(lens instanceof PromptCostLens)) {
      return lens;
    }
    try {
      const { config, prompt } = lens;
      const { choice, count, prices, unknownModel } = pricePrompt(prompt.text, prompt.model, this.pricing(config), (text, entry) => this.tokenCounts.count(text, entry));
      lens.command = {
        title: costLensTitle({ tokens: count.tokens, exact: count.exact, modelName: choice.entry.displayName, prices, unknownModel }),
        tooltip: costLensTooltip({
          exact: count.exact,
          calibratedOn: count.calibratedOn,
          hasDynamicParts: prompt.hasDynamicParts,
          modelNote: choice.note,
          priceNotes: prices.notes,
        }),
        command: SHOW_PROMPT_PRICES_COMMAND,
        arguments: [promptPricesArgs(prompt, choice.entry.id, count)],
      };
    } catch (error) {
      this.services.log.error(`Pricing prompt ${lens.prompt.name} failed`, error);
      lens.command = { title: 'Batchlens: could not price this prompt (see the Batchlens log)', command: 'batchlens.showLogs' };
    }
    return lens;
  }

  /**
   * A file that neither calls a model nor imports an LLM client, and that no file next to it (or
   * one folder up) that does imports, gets no lens: its "system message" is a banner, not a prompt.
   */
  private talksToModel(document: vscode.TextDocument): boolean {
    const notebook = notebookOf(document);
    const key = document.uri.toString();
    const known = this.reach.get(key);
    // A notebook's answer depends on every cell: it is not cached per cell version.
    if (!notebook && known && known.version === document.version) {
      return known.value;
    }
    const text = notebook ? (this.cache.notebookText(document) ?? document.getText()) : document.getText();
    const file = notebook ? notebook.uri : document.uri;
    const value = file.scheme === 'file' ? reachesModel(file.fsPath, text) : reachesModel(`/${file.path}`, text);
    this.reach.set(key, { version: document.version, value });
    return value;
  }

  /** False for a test file unless `batchlens.lens.includeTests` (the rule `cost` uses for its --include-tests). */
  private shownIn(document: vscode.TextDocument, config: BatchlensConfig): boolean {
    const owner = notebookOf(document)?.uri ?? document.uri;
    const inWorkspace = vscode.workspace.getWorkspaceFolder(owner) !== undefined;
    return lensShownFor(inWorkspace ? vscode.workspace.asRelativePath(owner, false) : undefined, owner.path, config.lensIncludeTests);
  }

  /** A prompt file's lens prices the file's text; undefined when the file is not found. */
  private withFileText(document: vscode.TextDocument, prompt: PromptConstant): PromptConstant | undefined {
    if (prompt.kind !== 'prompt-file' || prompt.file === undefined) {
      return prompt;
    }
    const owner = notebookOf(document)?.uri ?? document.uri;
    const folder = vscode.workspace.getWorkspaceFolder(owner)?.uri;
    const text = owner.scheme === 'file' ? readPromptFile(owner.fsPath, prompt.file, folder?.scheme === 'file' ? folder.fsPath : undefined) : undefined;
    return text === undefined ? undefined : { ...prompt, text };
  }

  /** The price settings, read afresh: the same options `batchlens cost` reads from .vscode/settings.json. */
  private pricing(config: BatchlensConfig): PricingOptions {
    return pricingOptions({ defaultModel: config.defaultModel, modelOverrides: config.modelOverrides, usResidency: config.usResidency });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }

  /** Computed while placing lenses because a lens cannot be withdrawn once placed; only cached/system prompts pay for it. */
  private cacheMinimumLens(range: vscode.Range, prompt: PromptConstant, config: BatchlensConfig): vscode.CodeLens | undefined {
    if (!prompt.cached && !looksLikeSystemPrompt(prompt)) {
      return undefined;
    }
    const { entry } = promptModel(prompt.model, this.pricing(config));
    const count = this.tokenCounts.count(prompt.text, entry);
    const minimum = entry.minCacheableTokens;
    if (minimum === undefined || !isBelowCacheMinimum(prompt, count.tokens, minimum)) {
      return undefined;
    }
    return new vscode.CodeLens(range, {
      title: cacheMinimumLensTitle(entry.displayName, minimum),
      tooltip:
        `${count.exact ? '' : '≈'}${count.tokens.toLocaleString('en-US')} tokens: a cache breakpoint on this prompt alone caches nothing ` +
        `(${entry.displayName} caches prefixes of at least ${minimum.toLocaleString('en-US')} tokens` +
        `${entry.unverified?.includes('minCacheableTokens') ? ', a third-party figure (unverified)' : ''}). ` +
        'Put more static content before the breakpoint, or drop cache_control here.',
      command: SHOW_PROMPT_PRICES_COMMAND,
      arguments: [promptPricesArgs(prompt, entry.id, count)],
    });
  }
}

function promptPricesArgs(prompt: PromptConstant, modelId: string, count: PromptTokenCount): PromptPricesArgs {
  return { name: prompt.name, text: prompt.text, model: modelId, tokens: count.tokens, exact: count.exact, hasDynamicParts: prompt.hasDynamicParts };
}
