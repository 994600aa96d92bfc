/**
 * Every command Batchlens contributes, once. Command tables are typed by it (`CommandTable` in
 * `commandRunner.ts`), so a handler cannot be registered under an id package.json does not declare,
 * and a unit test holds package.json's `contributes.commands`, menus and links to this list.
 * Pure data (no `vscode`).
 */
export const COMMAND_IDS = [
  'batchlens.setApiKey',
  'batchlens.clearApiKey',
  'batchlens.getStarted',
  'batchlens.showModelPrices',
  'batchlens.showPromptPrices',
  'batchlens.showLogs',
  'batchlens.disableLintRule',
  'batchlens.batchSelectedFiles',
  'batchlens.addToBatchQueue',
  'batchlens.submitBatchQueue',
  'batchlens.refreshBatches',
  'batchlens.showSavings',
  'batchlens.cancelJob',
  'batchlens.downloadResults',
  'batchlens.openResults',
  'batchlens.retryFailed',
  'batchlens.deleteJob',
  'batchlens.copyBatchId',
  'batchlens.revealSource',
  'batchlens.openRawResult',
  'batchlens.openResultRow',
  'batchlens.refreshWorkspaceBatches',
  'batchlens.filterWorkspaceBatches',
  'batchlens.loadMoreWorkspaceBatches',
  'batchlens.adoptBatch',
  'batchlens.copyWorkspaceBatchId',
  'batchlens.clearTokenCountCache',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

export function isCommandId(value: unknown): value is CommandId {
  return typeof value === 'string' && (COMMAND_IDS as readonly string[]).includes(value);
}
