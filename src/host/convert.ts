import vscode = require('vscode');
import type { Finding, Fix, Severity, SourceRange, TextChange } from '../core/analysis/types';
import { ruleDocsUrl } from '../core/analysis/ruleRegistry';

/**
 * The only place core offsets and ranges become VS Code positions and back. Core offsets are
 * UTF-16 offsets into the analysed text, which is what `TextDocument.positionAt` takes; the
 * document must be the version that was analysed.
 */
export function toRange(document: vscode.TextDocument, range: Pick<SourceRange, 'start' | 'end'>): vscode.Range {
  return new vscode.Range(document.positionAt(range.start), document.positionAt(range.end));
}

export const DIAGNOSTIC_SOURCE = 'Batchlens';

export function toDiagnosticSeverity(severity: Severity): vscode.DiagnosticSeverity {
  switch (severity) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'info':
      return vscode.DiagnosticSeverity.Information;
  }
}

/** A finding as a diagnostic whose code links to the rule's section of the README. */
export function toDiagnostic(document: vscode.TextDocument, finding: Finding): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(toRange(document, finding.range), finding.message, toDiagnosticSeverity(finding.severity));
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = { value: finding.code, target: vscode.Uri.parse(ruleDocsUrl(finding.code)) };
  if (finding.related && finding.related.length > 0) {
    diagnostic.relatedInformation = finding.related.map((related) => new vscode.DiagnosticRelatedInformation(new vscode.Location(document.uri, toRange(document, related.range)), related.message));
  }
  return diagnostic;
}

/** The rule code of a Batchlens diagnostic (plain or linked), or undefined for anyone else's. */
export function diagnosticRuleCode(diagnostic: vscode.Diagnostic): string | undefined {
  if (diagnostic.source !== DIAGNOSTIC_SOURCE) {
    return undefined;
  }
  const code = diagnostic.code;
  if (typeof code === 'string' || typeof code === 'number') {
    return String(code);
  }
  return code === undefined ? undefined : String(code.value);
}

export function toWorkspaceEdit(document: vscode.TextDocument, fix: Fix): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const textEdit of fix.edits) {
    edit.replace(document.uri, toRange(document, textEdit), textEdit.newText);
  }
  return edit;
}

/** VS Code's content changes as the core's text changes, in the order they were applied. */
export function toTextChanges(changes: readonly vscode.TextDocumentContentChangeEvent[]): TextChange[] {
  return changes.map((change) => ({
    start: change.rangeOffset,
    oldEnd: change.rangeOffset + change.rangeLength,
    newText: change.text,
  }));
}
