import vscode = require('vscode');
import type { Logger } from '../../core/util/logger';
import { diagnosticRuleCode, toRange, toWorkspaceEdit } from '../../host/convert';
import { isRuleCode } from '../../core/analysis/ruleRegistry';
import type { CommandId } from '../../host/commandIds';
import type { DocumentAnalysisCache } from '../analysis/documentAnalysisCache';

export const DISABLE_RULE_COMMAND: CommandId = 'batchlens.disableLintRule';

/**
 * Quick fixes for cache-lint diagnostics: the core's fixes for the finding behind each diagnostic
 * (matched by rule code and range in the same document version), and "Turn off rule BLxxx".
 */
export class CacheLintCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(
    private readonly cache: DocumentAnalysisCache,
    private readonly log: Logger,
  ) {}

  async provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): Promise<vscode.CodeAction[]> {
    try {
      if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) {
        return [];
      }
      const ours = context.diagnostics.filter((diagnostic) => diagnosticRuleCode(diagnostic) !== undefined);
      if (ours.length === 0) {
        return [];
      }
      const result = await this.cache.analyze(document);
      const actions: vscode.CodeAction[] = [];
      const offeredTurnOff = new Set<string>();
      for (const diagnostic of ours) {
        const code = diagnosticRuleCode(diagnostic)!;
        const finding = result?.findings.find(
          (candidate) => candidate.code === code && toRange(document, candidate.range).isEqual(diagnostic.range),
        );
        finding?.fixes.forEach((fix, index) => {
          const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          action.edit = toWorkspaceEdit(document, fix);
          action.diagnostics = [diagnostic];
          action.isPreferred = index === 0;
          actions.push(action);
        });
        if (isRuleCode(code) && !offeredTurnOff.has(code)) {
          offeredTurnOff.add(code);
          const turnOff = new vscode.CodeAction(`Turn off rule ${code}`, vscode.CodeActionKind.QuickFix);
          turnOff.command = { title: `Turn off rule ${code}`, command: DISABLE_RULE_COMMAND, arguments: [code] };
          turnOff.diagnostics = [diagnostic];
          actions.push(turnOff);
        }
      }
      return actions;
    } catch (error) {
      this.log.error('Providing cache-lint quick fixes failed', error);
      return [];
    }
  }
}
