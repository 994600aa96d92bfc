import { sampledLabel } from '../../core/batch/costPreview';
import type { SkippedFile } from '../../core/batch/collectFiles';
import type { PreparedJob } from '../../core/batch/prepareJob';
import { formatUsd } from '../../core/pricing/cost';

/** A row that would not succeed as sent, with the reason (filled by a pre-flight check). */
export interface PreviewRowProblem {
  path: string;
  reason: string;
}

/** Everything the preview panel shows, as plain data (no vscode): built from a prepared job. */
export interface PreviewViewModel {
  templateName: string;
  modelName: string;
  modelId: string;
  batches: number;
  /** Rows of the job (every file to send). */
  fileCount: number;
  /** The first `MAX_LISTED_FILES` of them, in manifest order. */
  files: Array<{ path: string; bytes: number; inputTokens: number }>;
  skipped: Array<{ path: string; reason: string }>;
  inputTokens: number;
  exactInputTokens: boolean;
  /** How the input tokens were estimated, in words (`estimate`, or a large job's counted sample). */
  tokenBasis: string;
  expected: { batchUsd: number; syncUsd: number; savingUsd: number; outputTokens: number; basis: string };
  ceiling: { batchUsd: number; syncUsd: number; savingUsd: number; savingPercent: number; outputTokens: number };
  warnings: string[];
  /** Set when the ceiling is above `batchlens.confirmAboveUsd`: sending then takes an explicit second step. */
  overBudget?: { limitUsd: number };
  /** Rows a pre-flight check says would fail; the section is shown only when a list is given. */
  wouldFail?: PreviewRowProblem[];
}

/** Rows listed in the panel; the rest are counted (the totals always cover every row). */
export const MAX_LISTED_FILES = 500;

/**
 * The rows the panel lists, read from the start of the manifest: a kept job's manifest is in its rows
 * log, and touching `job.manifest` would read all 100,000 entries back to show 500.
 */
function listedFiles(prepared: PreparedJob): PreviewViewModel['files'] {
  const files: PreviewViewModel['files'] = [];
  for (const entry of prepared.manifestEntries()) {
    if (files.length === MAX_LISTED_FILES) break;
    files.push({ path: entry.relativePath, bytes: entry.bytes, inputTokens: entry.estimatedInputTokens });
  }
  return files;
}

export function previewViewModel(prepared: PreparedJob, confirmAboveUsd: number, wouldFail?: PreviewRowProblem[]): PreviewViewModel {
  const { preview } = prepared;
  return {
    templateName: prepared.job.template.name,
    modelName: preview.modelName,
    modelId: preview.modelId,
    batches: preview.batches,
    fileCount: prepared.rows,
    files: listedFiles(prepared),
    skipped: prepared.skipped.map((skip) => ({ path: skip.relativePath, reason: `${skip.reason}${skip.detail ? ` (${skip.detail})` : ''}` })),
    inputTokens: preview.inputTokens,
    exactInputTokens: preview.exactInputTokens,
    tokenBasis: preview.exactInputTokens ? 'exact, count_tokens' : sampledLabel(preview),
    expected: {
      batchUsd: preview.expected.batchUsd,
      syncUsd: preview.expected.syncUsd,
      savingUsd: preview.expected.savingUsd,
      outputTokens: preview.expected.outputTokens,
      basis: preview.expected.basis,
    },
    ceiling: { batchUsd: preview.batchUsd, syncUsd: preview.syncUsd, savingUsd: preview.savingUsd, savingPercent: preview.savingPercent, outputTokens: preview.outputTokensBound },
    warnings: preview.warnings,
    ...(preview.batchUsd > confirmAboveUsd ? { overBudget: { limitUsd: confirmAboveUsd } } : {}),
    ...(wouldFail ? { wouldFail } : {}),
  };
}

/** The panel's title: what is about to be sent. */
export function previewTitle(model: PreviewViewModel): string {
  return `Batch preview: ${model.templateName} · ${model.fileCount.toLocaleString('en-US')} file${model.fileCount === 1 ? '' : 's'}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The preview as a self-contained page: a strict CSP (no remote content; the one inline script
 * carries `nonce`), VS Code theme colours, and two buttons that post `submit` or `cancel`.
 * When over budget, Cancel has the focus and sending is labelled "Send anyway".
 */
export function renderPreviewHtml(model: PreviewViewModel, page: { nonce: string; cspSource: string }): string {
  const e = escapeHtml;
  const tokenLabel = model.tokenBasis;
  const figures = [
    ['Files', `${count(model.fileCount)} in ${count(model.batches)} batch${model.batches === 1 ? '' : 'es'} · ${e(model.modelName)} (<code>${e(model.modelId)}</code>)`],
    ['Skipped', model.skipped.length === 0 ? 'none' : `${count(model.skipped.length)} (listed below with the reason)`],
    ['Input tokens', `${model.exactInputTokens ? '' : '≈'}${count(model.inputTokens)} (${tokenLabel})`],
    ['Expected cost', `<strong>≈${e(formatUsd(model.expected.batchUsd))}</strong> at the batch price, output ≈${count(model.expected.outputTokens)} tokens: ${e(model.expected.basis)}`],
    ['Same job as sync calls', `≈${e(formatUsd(model.expected.syncUsd))} · <strong>saving ≈${e(formatUsd(model.expected.savingUsd))}</strong>`],
    ['Ceiling', `≈${e(formatUsd(model.ceiling.batchUsd))} if every row used all ${count(model.ceiling.outputTokens)} output tokens (max_tokens × files); sync ≈${e(formatUsd(model.ceiling.syncUsd))}, saving ${model.ceiling.savingPercent}%`],
  ];
  const sections: string[] = [];
  sections.push(`<table class="figures" aria-label="Cost preview">${figures.map(([label, value]) => `<tr><th scope="row">${label}</th><td>${value}</td></tr>`).join('')}</table>`);
  sections.push('<p class="note">All $ figures are estimates (≈). Nothing has been sent.</p>');
  if (model.overBudget) {
    sections.push(
      `<p class="over-budget" role="alert">The ceiling is above your limit of ${e(formatUsd(model.overBudget.limitUsd))} (<code>batchlens.confirmAboveUsd</code>). Sending asks once more.</p>`,
    );
  }
  if (model.warnings.length > 0) sections.push(`<ul class="warnings">${model.warnings.map((warning) => `<li>${e(warning)}</li>`).join('')}</ul>`);
  if (model.wouldFail) {
    sections.push(
      `<h2 id="would-fail">Rows that would fail (${count(model.wouldFail.length)})</h2>` +
        (model.wouldFail.length === 0
          ? '<p>None found.</p>'
          : `<table><thead><tr><th>File</th><th>Why</th></tr></thead><tbody>${model.wouldFail.map((row) => `<tr><td><code>${e(row.path)}</code></td><td>${e(row.reason)}</td></tr>`).join('')}</tbody></table>`),
    );
  }
  if (model.skipped.length > 0) {
    sections.push(
      `<h2 id="skipped">Skipped files (${count(model.skipped.length)})</h2><table><thead><tr><th>File</th><th>Reason</th></tr></thead><tbody>` +
        `${model.skipped.map((skip) => `<tr><td><code>${e(skip.path)}</code></td><td>${e(skip.reason)}</td></tr>`).join('')}</tbody></table>`,
    );
  }
  sections.push(
    `<h2 id="files">Files (${count(model.fileCount)})</h2><table><thead><tr><th>File</th><th class="num">Bytes</th><th class="num">${model.exactInputTokens ? '' : '≈ '}Input tokens</th></tr></thead><tbody>` +
      model.files.map((file) => `<tr><td><code>${e(file.path)}</code></td><td class="num">${count(file.bytes)}</td><td class="num">${count(file.inputTokens)}</td></tr>`).join('') +
      (model.fileCount > model.files.length ? `<tr><td colspan="3">… and ${count(model.fileCount - model.files.length)} more</td></tr>` : '') +
      '</tbody></table>',
  );
  const submitLabel = model.overBudget ? 'Send Anyway…' : 'Submit Batch';
  const buttons = model.overBudget
    ? `<button id="cancel" autofocus>Cancel</button><button id="submit" class="secondary">${submitLabel}</button>`
    : `<button id="submit" autofocus>${submitLabel}</button><button id="cancel" class="secondary">Cancel</button>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${page.cspSource} 'nonce-${page.nonce}'; script-src 'nonce-${page.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${e(previewTitle(model))}</title>
<style nonce="${page.nonce}">
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 20px 24px; }
  h1 { font-size: 1.4em; }
  h2 { font-size: 1.1em; margin-top: 1.6em; }
  table { border-collapse: collapse; margin: 6px 0; }
  th, td { text-align: left; padding: 3px 12px 3px 0; vertical-align: top; }
  thead th { border-bottom: 1px solid var(--vscode-panel-border); }
  .figures th { white-space: nowrap; color: var(--vscode-descriptionForeground); font-weight: normal; }
  .num { text-align: right; }
  .note { color: var(--vscode-descriptionForeground); }
  .over-budget { color: var(--vscode-errorForeground); font-weight: bold; }
  .warnings li { color: var(--vscode-editorWarning-foreground); }
  .actions { position: sticky; top: 0; background: var(--vscode-editor-background); padding: 10px 0; display: flex; gap: 8px; }
  button { font: inherit; padding: 4px 14px; border: 1px solid var(--vscode-button-border, transparent); color: var(--vscode-button-foreground); background: var(--vscode-button-background); cursor: pointer; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  button.secondary { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
  button:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
</style>
</head>
<body>
<h1>${e(previewTitle(model))}</h1>
<div class="actions">${buttons}</div>
${sections.join('\n')}
<script nonce="${page.nonce}">
  const vscode = acquireVsCodeApi();
  for (const id of ['submit', 'cancel']) {
    document.getElementById(id).addEventListener('click', () => vscode.postMessage({ type: id }));
  }
</script>
</body>
</html>`;
}

/** " (skipped: .env: secret; logo.png: binary)": which files were left out and why, the first few by name. */
export function describeSkips(skipped: readonly SkippedFile[], shown = 3): string {
  if (skipped.length === 0) return '';
  const named = skipped.slice(0, shown).map((skip) => `${skip.relativePath}: ${skip.reason}${skip.detail ? ` (${skip.detail})` : ''}`);
  const more = skipped.length > shown ? `; and ${skipped.length - shown} more (see the Batchlens log)` : '';
  return ` (${skipped.length} skipped: ${named.join('; ')}${more})`;
}
