/**
 * The edits a document received since its last analysis, and whether replaying them onto the
 * session's tree is safe. Pure (no `vscode`), unit-tested in plain Node.
 */
import type { TextChange } from '../../core/analysis/types';

/** Beyond this many unanalysed edits, a fresh analysis is cheaper than replaying them. */
export const MAX_PENDING_CHANGES = 500;

export class PendingEdits {
  private changes: TextChange[] = [];
  /** Version the session's tree is at; undefined until the first analysis. */
  private analysedVersion?: number;
  private throughVersion?: number;
  private broken = true;

  /** Records the changes that produced `version` (VS Code raises versions by one per change event). */
  record(version: number, changes: readonly TextChange[]): void {
    if (changes.length === 0) {
      return;
    }
    const previous = this.throughVersion ?? this.analysedVersion;
    if (previous === undefined || version !== previous + 1 || this.changes.length + changes.length > MAX_PENDING_CHANGES) {
      // A gap means an event was missed; replaying the rest would corrupt the tree.
      this.broken = true;
    }
    if (this.broken) {
      this.changes = [];
    } else {
      this.changes.push(...changes);
    }
    this.throughVersion = version;
  }

  /**
   * The changes to replay to reach `version`, or undefined when the document must be analysed from
   * scratch. Either way the caller analyses now, so the record restarts at `version`.
   */
  take(version: number): TextChange[] | undefined {
    const replayable = !this.broken && this.changes.length > 0 && this.throughVersion === version;
    const changes = replayable ? this.changes : undefined;
    this.changes = [];
    this.analysedVersion = version;
    this.throughVersion = undefined;
    this.broken = false;
    return changes;
  }
}
