import vscode = require('vscode');
import { BatchQueue } from '../../core/batch/batchQueue';
import { FileJobStore } from '../../core/tracking/jobStore';
import type { HostServices } from '../../host/services';
import { type SubmitCommandResult, optionsFromArg, selectionFromArgs } from './submitArgs';
import { reconcileInBackground, runSubmitFlow } from './submitFlow';

/**
 * "Batch Selected Files", "Add to Batch Queue" and "Submit Batch Queue". Each handler takes its
 * inputs as arguments so tests and other extensions can drive it without UI (see `SubmitCommandOptions`):
 * - `batchlens.batchSelectedFiles(uri?, uris?, options?)` -> `SubmitCommandResult | undefined`
 * - `batchlens.addToBatchQueue(uri?, uris?)` -> the number of entries now queued
 * - `batchlens.submitBatchQueue(options?)` -> `SubmitCommandResult | undefined` (submitted entries leave the queue)
 * Interrupted submissions are reconciled once, shortly after activation, without blocking it.
 * In Restricted Mode submitting is refused with its one-line reason before anything is read;
 * queueing files (local only) still works.
 */
export function registerSubmitFeature(services: HostServices): vscode.Disposable {
  const requireFolders = () => {
    const folders = services.workspaceFolders();
    if (folders.length === 0) throw new Error('open a folder first: batch jobs are kept in the workspace (.batchlens/).');
    return folders;
  };

  /**
   * The workspace folder whose job store a selection goes to (multi-root: each folder keeps its own
   * jobs). A selection spanning folders is refused: one command, one job, one folder's settings.
   */
  const folderOfSelection = (uris: readonly vscode.Uri[]): string => {
    const roots = new Map<string, string>();
    for (const uri of uris) {
      const folder = services.folderOf(uri.fsPath);
      if (!folder) throw new Error(`${vscode.workspace.asRelativePath(uri)} is outside the workspace folders; batch jobs are kept per folder.`);
      roots.set(folder.root, folder.name);
    }
    if (roots.size > 1) {
      throw new Error(`the selection spans workspace folders ${[...roots.values()].join(' and ')}: each folder keeps its own batch jobs, so batch each folder's files on their own.`);
    }
    const [root] = roots.keys();
    return root ?? requireFolders()[0].root;
  };

  const batchSelectedFiles = async (clicked?: unknown, selected?: unknown, rawOptions?: unknown): Promise<SubmitCommandResult | undefined> => {
    services.trust.require('Submitting a batch');
    requireFolders();
    let uris = selectionFromArgs(clicked, selected);
    if (uris.length === 0) uris = await fallbackSelection();
    if (uris.length === 0) return undefined;
    const root = folderOfSelection(uris);
    return runSubmitFlow(services, root, uris.map((uri) => uri.fsPath), optionsFromArg(rawOptions));
  };

  const addToBatchQueue = async (clicked?: unknown, selected?: unknown): Promise<number> => {
    requireFolders();
    let uris = selectionFromArgs(clicked, selected);
    if (uris.length === 0) uris = await fallbackSelection();
    const root = folderOfSelection(uris);
    const queue = new BatchQueue(new FileJobStore(root, { logger: services.log }));
    const added = await queue.add(uris.map((uri) => uri.fsPath), Date.now());
    const total = (await queue.list()).length;
    void vscode.window.showInformationMessage(
      `Batchlens: ${added.length === 0 ? 'already queued' : `added ${added.length} to the batch queue`} (${total} waiting). Send them with "Batchlens: Submit Batch Queue".`,
    );
    return total;
  };

  const submitBatchQueue = async (rawOptions?: unknown): Promise<SubmitCommandResult | undefined> => {
    services.trust.require('Submitting a batch');
    const root = await queueFolder(services, requireFolders());
    if (!root) return undefined;
    const queue = new BatchQueue(new FileJobStore(root, { logger: services.log }));
    const entries = await queue.list();
    if (entries.length === 0) {
      void vscode.window.showInformationMessage('Batchlens: the batch queue is empty. Add files with "Add to Batch Queue" in the explorer or editor menu.');
      return undefined;
    }
    const result = await runSubmitFlow(services, root, entries.map((entry) => entry.relativePath), optionsFromArg(rawOptions));
    if (result?.submitted && !result.error) await queue.clear(entries.map((entry) => entry.relativePath));
    return result;
  };

  const registration = services.commands.register({
    'batchlens.batchSelectedFiles': batchSelectedFiles,
    'batchlens.addToBatchQueue': addToBatchQueue,
    'batchlens.submitBatchQueue': submitBatchQueue,
  });
  // Reconciling asks the API about interrupted submissions: only in a trusted workspace.
  let timer: NodeJS.Timeout | undefined;
  const reconcileSoon = () => (timer = setTimeout(() => void reconcileInBackground(services), 3_000));
  const granted = services.trust.onDidGrant(reconcileSoon);
  if (services.trust.isTrusted) reconcileSoon();
  return vscode.Disposable.from(registration, granted, { dispose: () => clearTimeout(timer) });
}

/**
 * The folder whose queue "Submit Batch Queue" sends: the only folder, else the only one with files
 * queued, else the active editor's folder, else one the user picks.
 */
async function queueFolder(services: HostServices, folders: ReadonlyArray<{ name: string; root: string }>): Promise<string | undefined> {
  if (folders.length === 1) return folders[0].root;
  const queued: Array<{ name: string; root: string; count: number }> = [];
  for (const folder of folders) {
    const count = (await new BatchQueue(new FileJobStore(folder.root, { logger: services.log })).list()).length;
    if (count > 0) queued.push({ ...folder, count });
  }
  if (queued.length <= 1) return (queued[0] ?? folders[0]).root;
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeRoot = active?.scheme === 'file' ? services.folderOf(active.fsPath)?.root : undefined;
  if (activeRoot && queued.some((folder) => folder.root === activeRoot)) return activeRoot;
  const picked = await vscode.window.showQuickPick(
    queued.map((folder) => ({ label: folder.name, description: `${folder.count} queued`, root: folder.root })),
    { placeHolder: 'Submit the batch queue of which workspace folder?' },
  );
  return picked?.root;
}

/**
 * From the palette VS Code passes no selection (the explorer's is not readable through the API):
 * the active editor's file, else a picker for files and folders.
 */
async function fallbackSelection(): Promise<vscode.Uri[]> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file') return [active];
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: true,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    openLabel: 'Batch',
    title: 'Batchlens: files and folders to send as a batch',
  });
  return picked ?? [];
}
