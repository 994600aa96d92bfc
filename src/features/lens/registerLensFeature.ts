import vscode = require('vscode');
import type { HostServices } from '../../host/services';
import { ANALYSED_DOCUMENTS } from '../analysis/documentAnalysisCache';
import type { PromptAnalysis } from '../analysis/promptAnalysis';
import { PromptCostLensProvider } from './promptCostLensProvider';

/** The prompt cost lens over Python, TypeScript and JavaScript documents. */
export function registerLensFeature(services: HostServices, analysis: PromptAnalysis): vscode.Disposable {
  const provider = new PromptCostLensProvider(services, analysis.cache, analysis.tokenCounts);
  analysis.onDidChangeSettings(() => provider.refresh());
  return vscode.Disposable.from(provider, vscode.languages.registerCodeLensProvider(ANALYSED_DOCUMENTS, provider));
}
