import vscode = require('vscode');
import type { HostServices } from '../../host/services';
import { chooseModel } from '../../core/analysis/modelChoice';
import type { PromptTokenCounts } from '../analysis/promptTokenCounts';
import { MarkdownView } from './markdownView';
import { checkPromptPricesArgs } from './promptPricesArgs';
import { modelsWithOverrides, renderModelPricesMarkdown, renderPromptPricesMarkdown } from './pricesMarkdown';

/**
 * "Batchlens: Show Model Prices" (the catalog, every model x price mode, with cache minimums, as-of
 * dates and sources) and `batchlens.showPromptPrices` (one prompt on every current model). Both
 * show a read-only Markdown preview and resolve to the Markdown they rendered.
 */
export function registerPricesFeature(services: HostServices, tokenCounts: PromptTokenCounts): vscode.Disposable {
  const { config, commands } = services;
  const view = new MarkdownView(services.log);

  const showModelPrices = async (): Promise<string> => {
    const markdown = renderModelPricesMarkdown({ overrides: config.modelOverrides, usResidency: config.usResidency });
    await view.show('Claude Model Prices', markdown);
    return markdown;
  };

  const showPromptPrices = async (rawArgs: unknown): Promise<string> => {
    const args = checkPromptPricesArgs(rawArgs);
    const overrides = config.modelOverrides;
    const inUse = chooseModel(args.model, config.defaultModel, overrides).entry;
    const markdown = renderPromptPricesMarkdown({
      name: args.name,
      models: modelsWithOverrides(overrides, false),
      usResidency: config.usResidency,
      modelInUse: inUse.id,
      hasDynamicParts: args.hasDynamicParts,
      tokensFor: (entry) =>
        args.tokens !== undefined && entry.id === inUse.id ? { tokens: args.tokens, exact: args.exact === true } : tokenCounts.count(args.text, entry),
    });
    await view.show(`Prompt Prices - ${args.name}`, markdown);
    return markdown;
  };

  return vscode.Disposable.from(
    view,
    commands.register({
      'batchlens.showModelPrices': showModelPrices,
      'batchlens.showPromptPrices': showPromptPrices,
    }),
  );
}
