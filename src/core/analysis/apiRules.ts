import { API_VERSION_2026, REMOVED_PARAMETERS, isStrictVersion } from '../api/apiVersions';
import { UnknownModelError, findModel, isoToday, resolveModel } from '../pricing/catalog';
import { lifecycleAt } from '../pricing/lifecycle';
import type { RequestModel } from './requests';
import type { RawFinding, RuleContext } from './rules';
import type { Fix, RuleCode, Severity, TextEdit } from './types';

/*
 * Rules about what the API itself moved (reference §0), from the same request model as the cache
 * rules:
 * - BL007 a retired model (error) or a deprecated one with a retirement date (warning); fix: the successor.
 * - BL008 temperature / top_p / top_k sent by an SDK major that uses anthropic-version 2026-10-21,
 *   which rejects them (error); info when the workspace's SDK version is unknown; fix: remove.
 * - BL009 a model id the catalog does not know, with "did you mean"; fix: the nearest id.
 */

function add(ctx: RuleContext, code: RuleCode, severity: Severity, span: { start: number; end: number }, message: string, fixes: Fix[]): void {
  if (ctx.options.disabledRules?.includes(code)) return;
  const key = `${code}:${span.start}:${span.end}`;
  if (ctx.reported.has(key)) return;
  ctx.reported.add(key);
  const finding: RawFinding = { code, severity, start: span.start, end: span.end, message, fixes };
  ctx.findings.push(finding);
}

/** An edit replacing the string literal at `span` with `id`, keeping its quotes; undefined when the span is not a literal here. */
function replaceLiteral(ctx: RuleContext, span: { start: number; end: number }, id: string): TextEdit | undefined {
  const quote = ctx.text[span.start];
  if ((quote !== '"' && quote !== "'" && quote !== '`') || ctx.text[span.end - 1] !== quote) return undefined;
  return { start: span.start, end: span.end, newText: `${quote}${id}${quote}` };
}

/** Removes one argument / property with the comma that separates it from a neighbour. */
function removeArgument(ctx: RuleContext, entries: Array<{ start: number; end: number }>, target: { start: number; end: number }): TextEdit {
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  const index = sorted.findIndex((entry) => entry.start === target.start);
  if (index > 0) return { start: sorted[index - 1]!.end, end: target.end, newText: '' };
  const next = sorted[index + 1];
  if (next) return { start: target.start, end: next.start, newText: '' };
  void ctx;
  return { start: target.start, end: target.end, newText: '' };
}

const DAY_MS = 86_400_000;
let todayStart = Number.NaN;
let todayText = '';

/** `isoToday()`, formatted once per UTC day rather than once per request. */
function today(): string {
  const now = Date.now();
  if (!(now >= todayStart && now < todayStart + DAY_MS)) {
    todayStart = now - (now % DAY_MS);
    todayText = isoToday(now);
  }
  return todayText;
}

function checkModel(request: RequestModel, ctx: RuleContext): void {
  const model = request.model;
  const span = request.modelSpan;
  if (!model || !span) return;
  const date = ctx.options.today ?? today();
  // A model already found in service on this date (in this analysis) says nothing again.
  const inService = ctx.env.modelsInService;
  if (inService?.get(model) === date) return;
  const known = findModel(model);
  if (known) {
    const facts = lifecycleAt(known.lifecycle, date);
    if ((facts.state !== 'retired' && facts.state !== 'deprecated') || (facts.state === 'deprecated' && !facts.retiresOn)) {
      inService?.set(model, date);
      return;
    }
    const edit = facts.successor ? replaceLiteral(ctx, span, facts.successor) : undefined;
    const fixes = edit ? [{ title: `Use ${facts.successor}`, edits: [edit] }] : [];
    if (facts.state === 'retired') {
      add(ctx, 'BL007', 'error', span, `${model} was retired on ${facts.retiresOn}: every request to it fails${facts.successor ? `; its successor is ${facts.successor}` : ''} (source: ${facts.source}).`, fixes);
    } else {
      add(ctx, 'BL007', 'warning', span, `${model} is deprecated and retires on ${facts.retiresOn}: requests fail from that day${facts.successor ? `; move to ${facts.successor}` : ''} (source: ${facts.source}).`, fixes);
    }
    return;
  }
  try {
    resolveModel(model);
  } catch (error) {
    if (!(error instanceof UnknownModelError)) throw error;
    const edit = error.suggestion ? replaceLiteral(ctx, span, error.suggestion) : undefined;
    add(
      ctx,
      'BL009',
      'warning',
      span,
      `Unknown model id "${model}"${error.suggestion ? `: did you mean "${error.suggestion}"?` : ''} The API rejects an id it does not know (in a batch, only after the batch ends).`,
      edit ? [{ title: `Use ${error.suggestion}`, edits: [edit] }] : [],
    );
  }
}

function checkRemovedParameters(request: RequestModel, ctx: RuleContext): void {
  const params = request.params;
  if (!params || request.method.includes('count')) return;
  // Most requests send none of them: nothing is built for those.
  if (!REMOVED_PARAMETERS.some((name) => params.entries.has(name))) return;
  const present = REMOVED_PARAMETERS.map((name) => ({ name, found: params.entries.get(name) })).filter((item) => item.found !== undefined);
  const sdk = ctx.options.sdkApiVersions?.[ctx.python ? 'python' : 'typescript'];
  const version = sdk?.apiVersion;
  if (version !== undefined && !isStrictVersion(version)) return;
  const entries = [...params.entries.values()].map((value) => ({ start: value.entry.start, end: value.entry.end }));
  const sdkName = ctx.python ? 'anthropic (Python) 2.x' : '@anthropic-ai/sdk 1.x';
  for (const { name, found } of present) {
    const span = { start: found!.entry.start, end: found!.entry.end };
    const fixes = [{ title: `Remove ${name}`, edits: [removeArgument(ctx, entries, span)] }];
    if (version === undefined) {
      add(
        ctx,
        'BL008',
        'info',
        span,
        `\`${name}\` is rejected under anthropic-version ${API_VERSION_2026}, which ${sdkName} and later send by default; ` +
          `the workspace's SDK version is unknown${sdk?.source ? ` (${sdk.source})` : ' (no dependency file names it)'}.`,
        fixes,
      );
    } else {
      add(
        ctx,
        'BL008',
        'error',
        span,
        `\`${name}\` is rejected (400) under anthropic-version ${version}, which this workspace's SDK sends (${sdk?.source ?? 'dependency files'}); ` +
          'in a batch every such row comes back errored after the whole batch ends. Remove it.',
        fixes,
      );
    }
  }
}

/** Applies BL007–BL009 to one request. */
export function checkApiRules(request: RequestModel, ctx: RuleContext): void {
  checkModel(request, ctx);
  checkRemovedParameters(request, ctx);
}
