import type { AnalysisOptions, Fix, RuleCode, Severity, TextEdit } from './types';
import { defaultSeverity } from './ruleRegistry';
import type { Expr, Scope, Span, StatementFacts } from './ir';
import { type Block, type Breakpoint, type RequestModel, type Section, blockTexts } from './requests';
import { type Dynamic, type ModuleEnv, PLACEHOLDER, type TextValue, type Unknown, type Unstable, stringify } from './resolve';

/** A place a finding points to besides its own (the breakpoint, a step the value took). */
export interface RawRelated extends Span {
  message: string;
}

/** A finding before offsets become lines and columns. */
export interface RawFinding extends Span {
  code: RuleCode;
  severity: Severity;
  message: string;
  fixes: Fix[];
  related?: RawRelated[];
}

export interface RuleContext {
  env: ModuleEnv;
  text: string;
  python: boolean;
  options: AnalysisOptions;
  findings: RawFinding[];
  /** `code:start:end` of findings already reported (a helper shared by several calls reports once). */
  reported: Set<string>;
}

/** Static text of a value without its run-time placeholders (what is the same on every request). */
export function staticText(value: TextValue): string {
  return value.text.includes(PLACEHOLDER) ? value.text.replaceAll(PLACEHOLDER, '') : value.text;
}

/** Below this many static characters, a block with run-time parts is treated as per-request content. */
const PER_REQUEST_STATIC_CHARS = 32;

interface BlockView {
  block: Block;
  value: TextValue;
}

/** Applies the request-level rules BL001–BL006 and BL100 to one request. */
export function checkRequest(request: RequestModel, ctx: RuleContext): void {
  const texts = blockTexts(request, ctx.env);
  const views: BlockView[] = request.blocks.map((block, index) => ({ block, value: texts[index] }));
  const explicit = request.blocks.filter((block) => block.breakpoint);
  const breakpoints: Breakpoint[] = explicit.map((block) => block.breakpoint as Breakpoint);
  if (request.automatic) breakpoints.push(request.automatic);
  checkRouting(request, views, ctx);
  // count_tokens applies no caching logic: its cache_control markers cost nothing either way.
  if (breakpoints.length === 0 || request.method.includes('count')) return;
  request.uncountedBreakpoints ||= markersAround(request, ctx.text) > breakpoints.length;
  const lastIndex = request.automatic ? views.length - 1 : lastBreakpointIndex(views);
  const exempt = conversationTurn(request, views, lastIndex);
  // The automatic breakpoint moves with the last block by design; it is judged only when it is the request's sole breakpoint.
  const lastBreakpointBlock = lastIndex >= 0 && (!request.automatic || explicit.length === 0) ? views[lastIndex] : undefined;
  const perRequestBreakpoint = lastBreakpointBlock && !exempt.has(lastBreakpointBlock) ? perRequestEvidence(request, views, lastBreakpointBlock) : undefined;
  const minimum = minimumCheck(request, views, lastIndex, ctx);
  if (lastBreakpointBlock && perRequestBreakpoint) reportBreakpointPerRequest(request, views, lastBreakpointBlock, perRequestBreakpoint, breakpoints, ctx);
  let reportedDynamic = false;
  for (let index = 0; index <= lastIndex && index < views.length; index++) {
    const view = views[index];
    // The automatic breakpoint always lands on the last block, by design: only BL005 speaks about it.
    if (exempt.has(view) || (perRequestBreakpoint && view === lastBreakpointBlock) || (request.automatic && index === views.length - 1 && !view.block.breakpoint)) continue;
    for (const dynamic of view.value.dynamic) reportedDynamic = reportDynamic(request, view, views, lastIndex, dynamic, minimum, ctx) || reportedDynamic;
    for (const unstable of view.value.unstable) reportUnstable(unstable, ctx);
    if (ctx.options.reportUnknownValues) for (const unknown of view.value.unknown ?? []) reportUnknown(request, view, views, lastIndex, unknown, ctx);
  }
  checkBreakpointCount(request, explicit, ctx);
  checkTtlOrder(breakpoints, ctx);
  // One finding per prefix: a per-request value already says the prefix is not reused, and says when it is too short too.
  if (!reportedDynamic && !perRequestBreakpoint && minimum?.below) reportMinimum(minimum, breakpoints, ctx);
  else if (!reportedDynamic && !perRequestBreakpoint && minimum) reportUnknownMinimum(minimum, breakpoints, ctx);
}

/** `cache_control` / `cacheControl` mentions in the function that sends the request (the call itself at module level). */
function markersAround(request: RequestModel, text: string): number {
  const scope = request.site.scope;
  const span = scope.name === '<module>' ? request.site.call : scope;
  // The slice bounds the search (a search of the whole text could run on to the end of the file).
  const slice = text.slice(span.start, span.end);
  // One pass for the shared start of both spellings.
  let count = 0;
  for (let at = slice.indexOf('cache'); at !== -1; at = slice.indexOf('cache', at + 1)) if (slice.startsWith('_control', at + 5) || slice.startsWith('Control', at + 5)) count++;
  return count;
}

function lastBreakpointIndex(views: BlockView[]): number {
  for (let index = views.length - 1; index >= 0; index--) if (views[index].block.breakpoint) return index;
  return -1;
}

/** Why the breakpoint's own block differs on every request, or undefined when nothing shows it does. */
interface PerRequest {
  reason: string;
  /** The per-request expression, when there is one to point at. */
  at?: Dynamic | Unknown;
}

function perRequestEvidence(request: RequestModel, views: BlockView[], view: BlockView): PerRequest | undefined {
  const value = view.value;
  const dynamic = value.dynamic.find((candidate) => candidate.stability === 'request');
  // Mostly per-request: little static text and no part of unknown size (a long constant beside a clock is a BL001 case).
  if (dynamic && value.complete && staticText(value).trim().length < PER_REQUEST_STATIC_CHARS) return { reason: dynamic.reason, at: dynamic };
  // By role: the only user turn of a one-shot request, when that turn is nothing but a parameter, is the input that changes per call.
  const block = view.block;
  if (block.section !== 'messages' || block.role !== 'user' || request.conversation || request.messageCount !== 1 || block.perItem) return undefined;
  if (views[views.length - 1] !== view || request.unresolved.has('messages')) return undefined;
  const parameter = value.unknown?.find((part) => part.parameter);
  if (!parameter || staticText(value).trim().length >= PER_REQUEST_STATIC_CHARS) return undefined;
  return { reason: `the parameter \`${parameter.name}\`, the only user turn of a one-shot request: it is the input that changes on every call`, at: parameter };
}

/**
 * The last user message of a conversation carries the breakpoint on purpose: each turn writes the
 * prefix the next turn reads. So its blocks are not per-request mistakes.
 */
function conversationTurn(request: RequestModel, views: BlockView[], lastIndex: number): ReadonlySet<BlockView> {
  const last = views[lastIndex];
  if (!last || last.block.section !== 'messages' || last.block.role === 'assistant') return NO_VIEWS;
  const isLastMessage = request.conversation || last.block.messageIndex === request.messageCount - 1;
  const multiTurn = request.conversation || request.site.loop !== undefined || request.site.repeated === true || last.block.perItem;
  if (!isLastMessage || !multiTurn) return NO_VIEWS;
  const exempt = new Set<BlockView>();
  for (const view of views) if (view.block.section === 'messages' && view.block.messageIndex === last.block.messageIndex) exempt.add(view);
  return exempt;
}

/** No block exempt (shared, never added to). */
const NO_VIEWS: ReadonlySet<BlockView> = new Set();

const SECTION_NAMES = { tools: 'tool definitions', system: 'system prompt', messages: 'messages' } as const;

/** The steps a value took, then its block and the breakpoint, as related locations. */
function chainOf(dynamic: Dynamic | Unknown | undefined, view: BlockView | undefined, breakpoint: Breakpoint | undefined): RawRelated[] {
  const related: RawRelated[] = [];
  if (dynamic && 'via' in dynamic) for (const hop of dynamic.via) related.push({ start: hop.start, end: hop.end, message: hop.message });
  const content = view?.block.content.expr;
  if (view && content && dynamic && (content.start > dynamic.start || content.end < dynamic.end)) {
    related.push({ start: content.start, end: content.end, message: `used in the ${SECTION_NAMES[view.block.section]} ${view.block.section === 'messages' ? 'content' : 'block'}` });
  }
  if (breakpoint) related.push({ start: breakpoint.entry.start, end: breakpoint.entry.end, message: breakpoint.automatic ? 'the top-level automatic cache_control' : 'the cache breakpoint whose prefix includes it' });
  return related;
}

/** The breakpoint a block is cached under: its own, else the first one after it. */
function breakpointCovering(views: BlockView[], view: BlockView, lastIndex: number, request: RequestModel): Breakpoint | undefined {
  for (let index = views.indexOf(view); index <= lastIndex && index < views.length; index++) if (views[index].block.breakpoint) return views[index].block.breakpoint;
  return request.automatic;
}

function reportDynamic(request: RequestModel, view: BlockView, views: BlockView[], lastIndex: number, dynamic: Dynamic, minimum: MinimumCheck | undefined, ctx: RuleContext): boolean {
  const where = view.block.breakpoint ? `the cached ${SECTION_NAMES[view.block.section]} block` : `the ${SECTION_NAMES[view.block.section]}, before a cache_control breakpoint`;
  const related = chainOf(dynamic, view, breakpointCovering(views, view, lastIndex, request));
  const target = view.block.section === 'messages' ? 'a block after the last breakpoint (for example the end of the user message)' : 'a block after the last breakpoint (for example the user message)';
  if (dynamic.stability === 'day') {
    const message =
      `A date (${dynamic.reason}) is inside ${where}: the cache key changes once a day, so the first request after midnight writes a new entry. ` +
      `That is usually fine; if requests are rare or the prefix is large, move the date into ${target}.`;
    add(ctx, { code: 'BL001', severity: 'info', start: dynamic.start, end: dynamic.end, message, fixes: [], related });
    return false;
  }
  const shortNote =
    minimum?.below && minimum.tokens !== undefined && minimum.minimum !== undefined
      ? ` Even then the stable part (≈${groupThousands(minimum.tokens)} tokens) is below the ${groupThousands(minimum.minimum)}-token minimum for ${minimum.model}, so it would not be cached until the prefix grows past it.`
      : '';
  const message =
    `Per-request content (${dynamic.reason}) is inside ${where}. The cache key is a hash of everything up to the breakpoint, ` +
    'so this value changes the key on every request and the cached prefix is never reused. ' +
    `Move it into ${target}, and keep only stable text before it.${shortNote}`;
  const fixes = splitFix(request, view, views, lastIndex, dynamic, ctx);
  add(ctx, { code: 'BL001', start: dynamic.start, end: dynamic.end, message, fixes, related });
  return true;
}

/** Behind `reportUnknownValues`: a value with no evidence either way in the cached prefix, and what would make it a problem. */
function reportUnknown(request: RequestModel, view: BlockView, views: BlockView[], lastIndex: number, unknown: Unknown, ctx: RuleContext): void {
  const what = unknown.parameter ? `the parameter \`${unknown.name}\`` : `\`${unknown.name}\``;
  const origin = unknown.parameter ? 'no caller the analyzer sees passes a per-request value or a stable one' : 'nothing shows whether it changes between requests';
  const message =
    `The stability of ${what} in the cached ${SECTION_NAMES[view.block.section]} is unknown: ${origin}. ` +
    'It is a problem only if it differs between requests (a caller passing a clock, a uuid, a request body or a retrieval result): then every request misses the cache. If it is the same across requests, nothing to do.';
  add(ctx, { code: 'BL001', severity: 'info', start: unknown.start, end: unknown.end, message, fixes: [], related: chainOf(unknown, view, breakpointCovering(views, view, lastIndex, request)) });
}

function reportUnstable(unstable: Unstable, ctx: RuleContext): void {
  const what =
    unstable.kind === 'json'
      ? '`json.dumps` without `sort_keys=True` writes keys in whatever order the dict was built'
      : unstable.kind === 'set'
        ? 'iterating a set gives an order that changes between processes (string hashing is randomised)'
        : '`Object.keys`/`entries` of an object built at run time follows its insertion order';
  const message = `Non-deterministic serialization in the cached prefix: ${what}. A cache hit needs byte-identical text, so a different order misses the cache. Sort the keys or items first.`;
  const fixes: Fix[] = [];
  if (unstable.kind === 'json' && unstable.call && ctx.python) {
    const call = unstable.call;
    const lastArgEnd = Math.max(...call.args.map((arg) => arg.end), ...call.kwargs.map((kwarg) => kwarg.end));
    if (Number.isFinite(lastArgEnd)) fixes.push({ title: 'Add sort_keys=True', edits: [{ start: lastArgEnd, end: lastArgEnd, newText: ', sort_keys=True' }] });
  }
  add(ctx, { code: 'BL006', start: unstable.start, end: unstable.end, message, fixes });
}

function reportBreakpointPerRequest(request: RequestModel, views: BlockView[], view: BlockView, evidence: PerRequest, breakpoints: Breakpoint[], ctx: RuleContext): void {
  const breakpoint = (view.block.breakpoint ?? request.automatic) as Breakpoint;
  const index = views.indexOf(view);
  // "Only" is claimed when every breakpoint of the request is known: none in unresolved parts, none added later by code the analyzer does not follow.
  const countKnown = request.unresolved.size === 0 && !request.uncountedBreakpoints && !views.some((candidate) => candidate.block.perItem && candidate.block.breakpoint);
  const only = countKnown && breakpoints.length === 1;
  const earlierBreakpoint = views.slice(0, index).some((candidate) => candidate.block.breakpoint);
  const stableBefore = views.slice(0, index).reverse().find((candidate) => candidate.value.dynamic.length === 0 && staticText(candidate.value).trim().length > 0);
  const systemBefore = views.slice(0, index).some((candidate) => candidate.block.section === 'system');
  const advice = earlierBreakpoint
    ? 'The earlier breakpoint already caches the stable prefix: drop this one, or move it to the last block that is identical across requests.'
    : view.block.section === 'system' && !stableBefore
      ? // The breakpoint already sits on the system prompt: the fix is to take the varying part out of it, not to move the breakpoint there.
        'Move the per-request part out of the system prompt (into the user turn, after the breakpoint), so the cached system prompt is identical across requests.'
      : stableBefore
      ? `Put the breakpoint on the last block that is identical across requests${stableBefore.block.section === 'system' ? ' (the system prompt above)' : ''}.`
      : systemBefore
        ? 'Put it on the last block that is identical across requests; nothing before it is known to be stable yet.'
        : 'Put it on a block that is identical across requests (a system prompt or shared document placed before this content), or drop it.';
  const lead = only ? 'The only cache breakpoint' : 'The last cache breakpoint';
  const message = `${lead} is on per-request content (${evidence.reason}): every request writes a new cache entry (at 1.25x the input price for its prefix) and none is read back. ${advice}`;
  const fixes: Fix[] = [];
  const stable = views.slice(0, index).reverse().find((candidate) => candidate.block.dict && candidate.value.dynamic.length === 0 && candidate.value.complete && staticText(candidate.value).trim().length > 0);
  if (only && stable?.block.dict && breakpoint.holder && !breakpoint.automatic) {
    const removal = removeEntry(breakpoint.holder, breakpoint.entry);
    const insertion = addEntry(stable.block.dict, ctx.python ? '"cache_control": {"type": "ephemeral"}' : "cache_control: { type: 'ephemeral' }", ctx);
    if (removal && insertion) fixes.push({ title: 'Move the breakpoint to the last stable block', edits: [insertion, removal] });
  }
  const related = chainOf(evidence.at, view, undefined);
  if (evidence.at) related.push({ start: evidence.at.start, end: evidence.at.end, message: 'the per-request value under this breakpoint' });
  add(ctx, { code: 'BL005', start: breakpoint.entry.start, end: breakpoint.entry.end, message, fixes, related });
}

function checkBreakpointCount(request: RequestModel, explicit: Block[], ctx: RuleContext): void {
  // At most 4 is always fine: nothing to list.
  if (explicit.length + (request.automatic ? 1 : 0) <= 4) return;
  if (explicit.some((block) => block.perItem)) return;
  const ordered = explicit.map((block) => block.breakpoint as Breakpoint);
  if (request.automatic) ordered.push(request.automatic);
  if (ordered.length <= 4) return;
  ordered.slice(4).forEach((breakpoint) => {
    const message =
      `This request has ${ordered.length} cache breakpoints${request.automatic ? ' (the top-level automatic one included)' : ''}; the API accepts at most 4 and rejects the request with a 400. ` +
      'Remove the extra breakpoints; prefix reads look back up to 20 blocks, so fewer breakpoints usually cache just as well.';
    const removal = breakpoint.holder && !breakpoint.automatic ? removeEntry(breakpoint.holder, breakpoint.entry) : undefined;
    add(ctx, { code: 'BL002', start: breakpoint.entry.start, end: breakpoint.entry.end, message, fixes: removal ? [{ title: 'Remove this cache breakpoint', edits: [removal] }] : [] });
  });
}

function checkTtlOrder(breakpoints: Breakpoint[], ctx: RuleContext): void {
  // Only a 1h breakpoint can come too late: most requests have none, and nothing is built for them.
  let longOne = false;
  for (let index = 0; index < breakpoints.length; index++) if (breakpoints[index].ttl !== '5m') longOne = true;
  if (!longOne) return;
  const shortOnes: Breakpoint[] = [];
  for (const breakpoint of breakpoints) {
    if (breakpoint.ttl === '5m') {
      shortOnes.push(breakpoint);
      continue;
    }
    if (shortOnes.length === 0) continue;
    const span = breakpoint.ttlEntry ?? breakpoint.entry;
    const message =
      'A `ttl: "1h"` breakpoint comes after a 5-minute one (the default TTL is 5m). The API requires 1-hour entries before 5-minute ones and rejects this request with a 400. ' +
      'Make the earlier breakpoints 1h, or this one 5m.';
    const fixes: Fix[] = [];
    const earlier = shortOnes.map((short) => setTtl(short, '1h', ctx));
    if (earlier.every((edit): edit is TextEdit => edit !== undefined)) fixes.push({ title: 'Use ttl "1h" on the earlier breakpoints', edits: earlier });
    const own = setTtl(breakpoint, '5m', ctx);
    if (own) fixes.push({ title: 'Use ttl "5m" on this breakpoint', edits: [own] });
    add(ctx, { code: 'BL004', start: span.start, end: span.end, message, fixes });
  }
}

/** What BL003 knows about the cached prefix's size. */
interface MinimumCheck {
  model: string;
  /** The catalog's minimum, or undefined when it knows the model but publishes none. */
  minimum?: number;
  /** Estimated tokens of the stable text; undefined when a part's size is unknown or a part differs per request. */
  tokens?: number;
  /** True only when the whole prefix is known and its estimate is below the minimum. */
  below: boolean;
}

function minimumCheck(request: RequestModel, views: BlockView[], lastIndex: number, ctx: RuleContext): MinimumCheck | undefined {
  const model = request.model ?? ctx.options.defaultModel;
  const published = ctx.options.minCacheableTokens?.(model);
  if (published === undefined || lastIndex < 0) return undefined;
  const minimum = published ?? undefined;
  // The prefix is views[0..lastIndex] (lastIndex < views.length), read in place.
  let unresolved = false;
  if (request.unresolved.size > 0) {
    const sectionsUpToBreakpoint = new Set<Section>();
    for (let index = 0; index <= lastIndex; index++) sectionsUpToBreakpoint.add(views[index].block.section);
    for (const section of request.unresolved) unresolved ||= sectionsUpToBreakpoint.has(section) || (section === 'tools' && !sectionsUpToBreakpoint.has('tools'));
  }
  // A part of unknown size (a parameter, an import, a fetched document) could be any length: no estimate at all.
  let unknownSize = unresolved || request.uncountedBreakpoints === true;
  let dynamic = false;
  for (let index = 0; index <= lastIndex; index++) {
    const view = views[index];
    if (!view.value.complete || view.block.perItem || (view.value.unknown?.length ?? 0) > 0) unknownSize = true;
    if (view.value.dynamic.length > 0) dynamic = true;
  }
  // The estimate is only ever said of a fully known prefix without per-request parts (BL003, or
  // BL001's note on a prefix below the minimum): counting tokens costs more than the rest of the
  // request's rules, so it is not counted for any other prefix.
  if (unknownSize || dynamic) return { model, minimum, below: false };
  const text = views.slice(0, lastIndex + 1).map((view) => staticText(view.value)).join('\n');
  const tokens = ctx.options.estimateTokens ? ctx.options.estimateTokens(text, model) : Math.ceil(text.length / 4);
  // An unpublished minimum is never "below": only the estimate of a fully known prefix is worth saying.
  if (minimum === undefined) return { model, below: false, tokens };
  return { model, minimum, tokens, below: tokens < minimum };
}

function reportMinimum(check: MinimumCheck, breakpoints: Breakpoint[], ctx: RuleContext): void {
  const breakpoint = breakpoints[breakpoints.length - 1];
  const message =
    `The cached prefix is ≈${groupThousands(check.tokens ?? 0)} tokens (an estimate), below the ${groupThousands(check.minimum ?? 0)}-token minimum for ${check.model}: ` +
    'the API silently skips caching (no error, both cache usage fields stay 0). To cache it, put more stable content before the breakpoint (tools, instructions, examples, reference documents) so the prefix passes the minimum; otherwise drop the breakpoint.';
  add(ctx, { code: 'BL003', start: breakpoint.entry.start, end: breakpoint.entry.end, message, fixes: [], related: [] });
}

/**
 * BL003 for a model whose minimum the catalog does not publish: says so, with the estimate of a
 * fully known prefix, and only while that estimate is below the largest minimum any model has
 * (above it, no published minimum would skip the cache).
 */
function reportUnknownMinimum(check: MinimumCheck, breakpoints: Breakpoint[], ctx: RuleContext): void {
  const largest = ctx.options.largestMinCacheableTokens;
  if (check.minimum !== undefined || check.tokens === undefined || largest === undefined || check.tokens >= largest) return;
  const breakpoint = breakpoints[breakpoints.length - 1];
  const message =
    `The minimum cacheable prefix for ${check.model} is unknown (the catalog has no published figure); this cached prefix is ≈${groupThousands(check.tokens)} tokens (an estimate). ` +
    `Other models need up to ${groupThousands(largest)} tokens, and below a model's minimum the API silently skips caching (both cache usage fields stay 0): check cache_creation_input_tokens on a real response.`;
  add(ctx, { code: 'BL003', severity: 'info', start: breakpoint.entry.start, end: breakpoint.entry.end, message, fixes: [], related: [] });
}

/**
 * `n.toLocaleString('en-US')` for integers without the ICU call, which costs more than the rest
 * of a BL003 check; other numbers still go through it.
 */
function groupThousands(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return n < 0 ? `-${out}` : out;
}

const EXPENSIVE_TIER = /opus|fable|mythos/i;
const SIMPLE_TASK = /\b(classif\w*|categori[sz]\w*|categor(y|ies)|extract\w*|label\w*|sentiment|intent|triage|tag (this|the|each)|reply with (just|only)|one of these|yes or no)\b/i;

/**
 * BL100 judges the task, not a word: the instructions (system prompt, or the fixed text of a
 * one-shot request) ask for classification or extraction, and the output is small or fixed in
 * shape (a low `max_tokens`, a forced tool or schema, "reply with only the label").
 */
function checkRouting(request: RequestModel, views: BlockView[], ctx: RuleContext): void {
  if (!request.model || !request.modelSpan || !EXPENSIVE_TIER.test(request.model) || request.method.includes('count')) return;
  const system = views.filter((view) => view.block.section === 'system');
  const instructions = system.length > 0 ? system : views.filter((view) => view.block.section === 'messages' && view.block.role === 'user' && !request.conversation).slice(0, 1);
  const prompt = instructions.map((view) => staticText(view.value)).join('\n');
  const match = SIMPLE_TASK.exec(prompt);
  if (!match) return;
  const maxTokens = request.maxTokens ? Number(ctx.text.slice(request.maxTokens.start, request.maxTokens.end).replace(/_/g, '')) : undefined;
  const smallOutput = maxTokens !== undefined && maxTokens <= 512;
  if (!smallOutput && !request.shapesOutput && !CLOSED_ANSWER.test(prompt)) return;
  const shape = smallOutput ? `max_tokens ${maxTokens}` : request.shapesOutput ? 'a fixed output schema' : 'a closed set of answers';
  const message =
    `\`${request.model}\` is an expensive tier for what the instructions describe as classification or extraction ("${match[0]}", ${shape}). ` +
    'Smaller models usually handle such tasks at a fraction of the price: try Haiku on a sample of real inputs and compare.';
  add(ctx, { code: 'BL100', start: request.modelSpan.start, end: request.modelSpan.end, message, fixes: [] });
}

/** Instructions that close the answer: a label list, yes/no, JSON only. */
const CLOSED_ANSWER = /\b(reply with (just|only)|respond with (just|only)|only (the|a) (label|category|json)|one of (these|the following)|yes or no|json (object|only)|return json|output json)\b/i;

/** BL101: synchronous create calls made once per element of a collection. */
export function checkBatchCandidates(facts: StatementFacts[], ctx: RuleContext): void {
  const creators = new Set<string>();
  // Indexed loops: this walks every statement of the file, once; the few with loop calls are noted for the second step.
  const withLoopCalls: StatementFacts[] = [];
  for (let index = 0; index < facts.length; index++) {
    if (facts[index].loopCalls.length > 0) withLoopCalls.push(facts[index]);
    const sites = facts[index].sdkCalls;
    for (let at = 0; at < sites.length; at++) {
      const site = sites[at];
      if (!isSyncCreate(site.call.callee)) continue;
      creators.add(outermostScope(site.scope).name);
      if (site.loop && independentIterations(site.loop, site.call, ctx.text)) {
        const callee = site.call.calleeExpr;
        add(ctx, { code: 'BL101', start: callee.start, end: callee.end, message: batchMessage(`\`${site.call.callee}\` runs once per element of a collection`), fixes: [] });
      }
    }
  }
  for (let index = 0; index < withLoopCalls.length; index++) {
    const loopCalls = withLoopCalls[index].loopCalls;
    for (let at = 0; at < loopCalls.length; at++) {
      const loopCall = loopCalls[at];
      if (creators.has(loopCall.name) && ctx.env.functions.has(loopCall.name) && (!loopCall.loop || independentIterations(loopCall.loop, loopCall, ctx.text))) {
        add(ctx, { code: 'BL101', start: loopCall.start, end: loopCall.end, message: batchMessage(`\`${loopCall.name}()\` sends a synchronous \`messages.create\` request and is called once per element of a collection`), fixes: [] });
      }
    }
  }
}

/**
 * What one statement gives checkBatchCandidates: the functions whose synchronous creates it holds,
 * and whether it holds a loop the rule judges (a create or a call in a loop). Two versions with the
 * same creators and no such loop leave every batch-candidate finding as it was (see the session).
 */
export function batchInputsOf(statement: StatementFacts): { creators: string[]; loops: boolean } {
  const creators: string[] = [];
  let loops = statement.loopCalls.length > 0;
  for (const site of statement.sdkCalls) {
    if (!isSyncCreate(site.call.callee)) continue;
    creators.push(outermostScope(site.scope).name);
    if (site.loop) loops = true;
  }
  return { creators, loops };
}

/** The scope just below the module that holds `scope` (the module-level function a create is made in). */
function outermostScope(scope: Scope): Scope {
  while (scope.parent && scope.parent.name !== '<module>') scope = scope.parent;
  return scope;
}

/**
 * True when a loop's iterations do not depend on each other, so its requests could go in one batch:
 * not a retry or bounded-attempt loop (`range(3)`, `attempt`, a `break` on success), and not a
 * conversation that feeds each answer back into what the next request sends.
 */
function independentIterations(loop: Span, call: Span, text: string): boolean {
  const body = text.slice(loop.start, loop.end);
  const newline = body.indexOf('\n');
  const header = newline === -1 ? body : body.slice(0, newline);
  if (/\b(range|count|repeat)\s*\(|\b(attempts?|retry|retries|tries)\b/i.test(header) || /\bbreak\b/.test(body)) return false;
  const sent = new Set(text.slice(call.start, call.end).match(/[A-Za-z_$][\w$]*/g) ?? []);
  for (const match of body.matchAll(/([A-Za-z_$][\w$]*)\s*(?:\.\s*(?:append|push|extend|insert|unshift|add\w*)\s*\(|\+=|\[[^\]\n]*\]\s*=[^=])/g)) {
    if (sent.has(match[1]) && match[1] !== 'self' && match[1] !== 'this') return false;
  }
  return true;
}

function isSyncCreate(callee: string): boolean {
  return (callee.endsWith('messages.create') || callee.endsWith('messages.parse')) && !callee.includes('batches');
}

function batchMessage(what: string): string {
  return `Batch candidate: ${what}. If nobody waits on each answer, send them as one Message Batch (messages.batches.create): every token costs 50% less, results arrive within 24 hours (usually minutes).`;
}

function add(ctx: RuleContext, finding: Omit<RawFinding, 'severity'> & { severity?: Severity }): void {
  if (ctx.options.disabledRules?.includes(finding.code)) return;
  const key = `${finding.code}:${finding.start}:${finding.end}`;
  if (ctx.reported.has(key)) return;
  ctx.reported.add(key);
  // Fields written out (object spread is slow on this path); \`related\` only when the rule gave it.
  const out: RawFinding = { code: finding.code, severity: finding.severity ?? defaultSeverity(finding.code), start: finding.start, end: finding.end, message: finding.message, fixes: finding.fixes };
  if ('related' in finding) out.related = finding.related;
  ctx.findings.push(out);
}

/** Deletes a dict entry with the comma that separates it from its neighbour. */
function removeEntry(holder: Extract<Expr, { kind: 'dict' }>, entry: Span): TextEdit | undefined {
  const index = holder.entries.findIndex((candidate) => candidate.start === entry.start);
  if (index < 0) return undefined;
  if (index > 0) return { start: holder.entries[index - 1].end, end: entry.end, newText: '' };
  const next = holder.entries[index + 1];
  return { start: entry.start, end: next ? next.start : entry.end, newText: '' };
}

/** Adds `source` as the last entry of a dict literal. */
function addEntry(dict: Extract<Expr, { kind: 'dict' }>, source: string, ctx: RuleContext): TextEdit | undefined {
  const last = dict.entries[dict.entries.length - 1];
  if (!last) return { start: dict.closeOffset, end: dict.closeOffset, newText: source };
  void ctx;
  return { start: last.end, end: last.end, newText: `, ${source}` };
}

function setTtl(breakpoint: Breakpoint, ttl: '5m' | '1h', ctx: RuleContext): TextEdit | undefined {
  if (breakpoint.ttlEntry) {
    const value = breakpoint.ttlEntry.value;
    const quote = ctx.text[value.start] === "'" ? "'" : '"';
    if (value.kind !== 'str') return undefined;
    return { start: value.start, end: value.end, newText: `${quote}${ttl}${quote}` };
  }
  const control = breakpoint.control;
  if (!control) return undefined;
  const first = control.entries[0];
  const keyQuote = first ? ctx.text[first.start] : ctx.python ? '"' : '';
  const quoted = keyQuote === '"' || keyQuote === "'";
  const quote = ctx.python ? '"' : quoted ? keyQuote : "'";
  const entry = quoted || ctx.python ? `${quote}ttl${quote}: ${quote}${ttl}${quote}` : `ttl: ${quote}${ttl}${quote}`;
  return addEntry(control, entry, ctx);
}

/** True when `outer` covers `inner`. */
function holds(outer: Span, inner: Span): boolean {
  return outer.start <= inner.start && outer.end >= inner.end;
}

/**
 * BL001 fix: when the dynamic part sits in the text literal of the last breakpoint's block, keep
 * the static start of the literal in that cached block and move the rest into a new block after it.
 */
function splitFix(request: RequestModel, view: BlockView, views: BlockView[], lastIndex: number, dynamic: Dynamic, ctx: RuleContext): Fix[] {
  const block = view.block;
  if (!block.breakpoint || views[lastIndex] !== view || !block.dict || !block.list || block.perItem) return [];
  const literal = block.content.expr;
  if (literal.kind !== 'str') return [];
  // The value may be made elsewhere (a caller's argument): split where it enters this literal.
  const parts = literal.parts;
  let firstDynamic = -1;
  for (let index = 0; index < parts.length && firstDynamic < 0; index++) {
    const candidate = parts[index];
    if ('expr' in candidate && (holds(candidate.expr, dynamic) || dynamic.via.some((place) => holds(candidate.expr, place)))) firstDynamic = index;
  }
  const part = parts[firstDynamic];
  if (!part || !('expr' in part) || !part.open) return [];
  for (let index = 0; index < firstDynamic; index++) {
    const candidate = parts[index];
    if ('expr' in candidate && stringify({ expr: candidate.expr, scope: block.content.scope }, ctx.env).dynamic.length > 0) return [];
  }
  const prefixSource = ctx.text.slice(literal.start, part.start);
  let prefixStatic = '';
  for (let index = 0; index < firstDynamic; index++) {
    const candidate = parts[index];
    if ('text' in candidate) prefixStatic += candidate.text;
  }
  if (prefixStatic.trim().length === 0) return [];
  // The prefix keeps its f/template prefix: constants interpolated before the split still render.
  const prefixLiteral = `${prefixSource}${part.close}`;
  const rest = `${part.open}${ctx.text.slice(part.start, literal.end)}`;
  const newBlock = ctx.python ? `{"type": "text", "text": ${rest}}` : `{ type: 'text', text: ${rest} }`;
  // A block that starts its own line gets its new sibling on the next line, indented like it.
  const lineStart = ctx.text.lastIndexOf('\n', block.dict.start - 1) + 1;
  const leading = ctx.text.slice(lineStart, block.dict.start);
  const separator = leading.trim() === '' ? `,\n${leading}` : ', ';
  const edits: TextEdit[] = [
    { start: literal.start, end: literal.end, newText: prefixLiteral },
    { start: block.dict.end, end: block.dict.end, newText: `${separator}${newBlock}` },
  ];
  void request;
  return [{ title: 'Move the per-request part into a new block after the breakpoint', edits }];
}
