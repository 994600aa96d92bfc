import vscode = require('vscode');
import type { HostServices } from '../../host/services';
import { RULE_CODES, isRuleCode } from '../../core/analysis/ruleRegistry';
import { ANALYSED_DOCUMENTS } from '../analysis/documentAnalysisCache';
import type { PromptAnalysis } from '../analysis/promptAnalysis';
import { CacheLintCodeActions, DISABLE_RULE_COMMAND } from './cacheLintCodeActions';
import { CacheLintDiagnostics } from './cacheLintDiagnostics';

/**
 * Cache-lint diagnostics, their quick fixes, and `batchlens.disableLintRule` (code as the first
 * argument, or picked from a list), which adds a rule to `batchlens.lint.disabledRules` and resolves
 * to the code it turned off.
 */
export function registerLintFeature(services: HostServices, analysis: PromptAnalysis): vscode.Disposable {
  const diagnostics = new CacheLintDiagnostics(services, analysis.cache);
  analysis.onDidChangeSettings(() => diagnostics.relintOpenDocuments());

  const disableRule = async (codeArgument?: unknown): Promise<string | undefined> => {
    const code = codeArgument === undefined ? await pickRule(services.config.disabledRules) : codeArgument;
    if (code === undefined) {
      return undefined;
    }
    if (!isRuleCode(code)) {
      throw new Error(`"${String(code)}" is not a Batchlens rule code (${RULE_CODES.join(', ')}).`);
    }
    await services.config.disableRule(code);
    services.log.info(`Rule ${code} turned off (batchlens.lint.disabledRules)`);
    return code;
  };

  return vscode.Disposable.from(
    diagnostics,
    vscode.languages.registerCodeActionsProvider(
      ANALYSED_DOCUMENTS,
      new CacheLintCodeActions(analysis.cache, services.log),
      CacheLintCodeActions.metadata,
    ),
    services.commands.register({ [DISABLE_RULE_COMMAND]: disableRule }),
  );
}

async function pickRule(alreadyOff: readonly string[]): Promise<string | undefined> {
  const choices = RULE_CODES.filter((code) => !alreadyOff.includes(code));
  return vscode.window.showQuickPick(choices, { title: 'Batchlens: Turn Off Lint Rule', placeHolder: 'Rule to turn off' });
}
