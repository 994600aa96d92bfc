import type { Finding, Fix, PromptConstant, SourceRange, TextEdit } from './types';
import type { LineIndex } from './positions';
import type { RawPrompt } from './prompts';
import type { RawFinding } from './rules';
import { shifted } from './statementResults';

/** The public part of an analysis: what the previous version reported, kept to be moved by the next edit. */
export interface PublicResults {
  prompts: PromptConstant[];
  findings: Finding[];
  calls: PromptConstant[];
}

/**
 * One change of an edit with its line and column positions in the text before it (`start`,
 * `oldEnd`) and after it (`newEnd`), so a range computed before it can be moved without a lookup.
 */
export interface PlacedChange {
  start: number;
  oldEnd: number;
  delta: number;
  oldEndLine: number;
  oldEndColumn: number;
  newEndLine: number;
  newEndColumn: number;
}

/** A prompt with lines and columns; fields are listed (not spread) because this runs per prompt on a full assembly. */
export function publicPrompt(prompt: RawPrompt, lines: LineIndex): PromptConstant {
  const out = withRange(prompt, lines.range(prompt.span.start, prompt.span.end));
  // Its own list: the raw prompt's stays in the cached statement result.
  if (out.files !== undefined) out.files = [...out.files];
  return out;
}

/** A copy of a finding with lines and columns: cached findings shift in place on the next edit. */
export function publicFinding(finding: RawFinding, lines: LineIndex): Finding {
  const fixes: Fix[] = [];
  for (const fix of finding.fixes) fixes.push({ title: fix.title, edits: fix.edits.map((edit) => ({ start: edit.start, end: edit.end, newText: edit.newText })) });
  const out: Finding = { code: finding.code, message: finding.message, severity: finding.severity, fixes, range: lines.range(finding.start, finding.end) };
  if (finding.related && finding.related.length > 0) out.related = finding.related.map((related) => ({ message: related.message, range: lines.range(related.start, related.end) }));
  return out;
}

/**
 * A previous list moved through `change`, when every range lies wholly before or after the edited
 * span; undefined otherwise (the caller then assembles afresh). Items before the change are kept
 * as they are; those after it are new objects (a result handed out is never changed).
 */
export function movedPrompts(prompts: PromptConstant[], change: PlacedChange): PromptConstant[] | undefined {
  const out: PromptConstant[] = new Array<PromptConstant>(prompts.length);
  for (let index = 0; index < prompts.length; index++) {
    const prompt = prompts[index];
    const range = movedRange(prompt.range, change);
    if (!range) return undefined;
    out[index] = range === prompt.range ? prompt : withRange(prompt, range);
  }
  return out;
}

/** A copy of a prompt at another range, its fields listed (a spread of objects of many shapes is slower). */
export function withRange(prompt: Omit<PromptConstant, 'range'>, range: SourceRange): PromptConstant {
  const out = { name: prompt.name, kind: prompt.kind, text: prompt.text, hasDynamicParts: prompt.hasDynamicParts } as PromptConstant;
  if ('model' in prompt) out.model = prompt.model;
  if ('cached' in prompt) out.cached = prompt.cached;
  if (prompt.file !== undefined) out.file = prompt.file;
  if (prompt.files !== undefined) out.files = prompt.files;
  out.range = range;
  return out;
}

/** As movedPrompts, for findings: their fixes' edits and related places move too. */
export function movedFindings(findings: Finding[], change: PlacedChange): Finding[] | undefined {
  const out: Finding[] = new Array<Finding>(findings.length);
  for (let index = 0; index < findings.length; index++) {
    const finding = findings[index];
    const range = movedRange(finding.range, change);
    if (!range) return undefined;
    let fixes = finding.fixes;
    for (let fixIndex = 0; fixIndex < fixes.length; fixIndex++) {
      const edits = movedEdits(fixes[fixIndex].edits, change);
      if (!edits) return undefined;
      if (edits === fixes[fixIndex].edits) continue;
      if (fixes === finding.fixes) fixes = [...fixes];
      fixes[fixIndex] = { title: fixes[fixIndex].title, edits };
    }
    let related = finding.related;
    if (related) {
      for (let relatedIndex = 0; relatedIndex < related.length; relatedIndex++) {
        const relatedRange = movedRange(related[relatedIndex].range, change);
        if (!relatedRange) return undefined;
        if (relatedRange === related[relatedIndex].range) continue;
        if (related === finding.related) related = [...related];
        related[relatedIndex] = { message: related[relatedIndex].message, range: relatedRange };
      }
    }
    if (range === finding.range && fixes === finding.fixes && related === finding.related) {
      out[index] = finding;
      continue;
    }
    const moved: Finding = { code: finding.code, message: finding.message, severity: finding.severity, fixes, range };
    if (related) moved.related = related;
    out[index] = moved;
  }
  return out;
}

function movedEdits(edits: TextEdit[], change: PlacedChange): TextEdit[] | undefined {
  let out = edits;
  for (let index = 0; index < edits.length; index++) {
    const edit = edits[index];
    // The rule shiftResult follows: an edit moved here is one whose statement result survived the change as well.
    const start = shifted(edit.start, change.start, change.oldEnd, change.delta);
    const end = shifted(edit.end, change.start, change.oldEnd, change.delta);
    if (start < 0 || end < 0) return undefined;
    if (start === edit.start && end === edit.end) continue;
    if (out === edits) out = [...edits];
    out[index] = { start, end, newText: edit.newText };
  }
  return out;
}

/** The range after the change: the same object when it lies before the change, undefined when it touches it. */
export function movedRange(range: SourceRange, change: PlacedChange): SourceRange | undefined {
  if (range.end < change.start) return range;
  if (range.start <= change.oldEnd) return undefined;
  if (change.delta === 0 && change.newEndLine === change.oldEndLine && change.newEndColumn === change.oldEndColumn) return range;
  const lineDelta = change.newEndLine - change.oldEndLine;
  const columnDelta = change.newEndColumn - change.oldEndColumn;
  return {
    start: range.start + change.delta,
    end: range.end + change.delta,
    startLine: range.startLine + lineDelta,
    // Only positions on the line the edit ends on move sideways; later lines keep their columns.
    startColumn: range.startLine === change.oldEndLine ? range.startColumn + columnDelta : range.startColumn,
    endLine: range.endLine + lineDelta,
    endColumn: range.endLine === change.oldEndLine ? range.endColumn + columnDelta : range.endColumn,
  };
}
