import * as vscode from 'vscode';
import type { PromptConstant } from '../../core/analysis/types';
import { pricePerCall } from '../../core/pricing/cost';
import { toRange } from '../../host/convert';
import type { HostServices } from '../../host/services';
import type { DocumentAnalysisCache } from '../analysis/documentAnalysisCache';
import { chooseModel } from '../analysis/modelChoice';
import type { PromptTokenCount, PromptTokenCounts } from '../analysis/promptTokenCounts';
import { SHOW_PROMPT_PRICES_COMMAND, type PromptPricesArgs } from '../prices/promptPricesArgs';
import { cacheMinimumLensTitle, costLensTitle, costLensTooltip, isBelowCacheMinimum, looksLikeSystemPrompt } from './lensText';

/** A lens whose title is filled in lazily by `resolveCodeLens`. */
class PromptCostLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly prompt: PromptConstant,
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

  constructor(
    private readonly services: HostServices,
    private readonly cache: DocumentAnalysisCache,
    private readonly tokenCounts: PromptTokenCounts,
  ) {
    this.subscription = tokenCounts.onDidCountExactly(() => this.refresh());
  }

  /** Asks VS Code to re-query the lenses (settings changed, an exact count arrived). */
  refresh(): void {
    this.changeEmitter.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    try {
      if (!this.services.config.lensEnabled) {
        return [];
      }
      const result = await this.cache.analyze(document);
      if (!result) {
        return [];
      }
      const lenses: vscode.CodeLens[] = [];
      for (const prompt of result.prompts) {
        const range = toRange(document, prompt.range);
        lenses.push(new PromptCostLens(range, prompt));
        const warning = this.cacheMinimumLens(range, prompt);
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
      const { config } = this.services;
      const prompt = lens.prompt;
      const choice = chooseModel(prompt.model, config.defaultModel, config.modelOverrides);
      const count = this.tokenCounts.count(prompt.text, choice.entry);
      const prices = pricePerCall(choice.entry, count.tokens, { usResidency: config.usResidency });
      lens.command = {
        title: costLensTitle({ tokens: count.tokens, exact: count.exact, modelName: choice.entry.displayName, prices }),
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

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }

  /** Computed while placing lenses because a lens cannot be withdrawn once placed; only cached/system prompts pay for it. */
  private cacheMinimumLens(range: vscode.Range, prompt: PromptConstant): vscode.CodeLens | undefined {
    if (!prompt.cached && !looksLikeSystemPrompt(prompt)) {
      return undefined;
    }
    const { config } = this.services;
    const { entry } = chooseModel(prompt.model, config.defaultModel, config.modelOverrides);
    const count = this.tokenCounts.count(prompt.text, entry);
    if (!isBelowCacheMinimum(prompt, count.tokens, entry.minCacheableTokens)) {
      return undefined;
    }
    return new vscode.CodeLens(range, {
      title: cacheMinimumLensTitle(entry.displayName, entry.minCacheableTokens),
      tooltip:
        `${count.exact ? '' : '≈'}${count.tokens.toLocaleString('en-US')} tokens: a cache breakpoint on this prompt alone caches nothing ` +
        `(${entry.displayName} caches prefixes of at least ${entry.minCacheableTokens.toLocaleString('en-US')} tokens). ` +
        'Put more static content before the breakpoint, or drop cache_control here.',
      command: SHOW_PROMPT_PRICES_COMMAND,
      arguments: [promptPricesArgs(prompt, entry.id, count)],
    });
  }
}

function promptPricesArgs(prompt: PromptConstant, modelId: string, count: PromptTokenCount): PromptPricesArgs {
  return { name: prompt.name, text: prompt.text, model: modelId, tokens: count.tokens, exact: count.exact, hasDynamicParts: prompt.hasDynamicParts };
}
