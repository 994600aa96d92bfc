import type { AnalysisOptions, Fix, RuleCode, Severity, TextEdit } from './types';
import type { Expr, Span, StatementFacts } from './ir';
import type { Block, Breakpoint, RequestModel } from './requests';
import { type Dynamic, type ModuleEnv, PLACEHOLDER, type TextValue, type Unstable, stringify } from './resolve';

/** A finding before offsets become lines and columns. */
export interface RawFinding extends Span {
  code: RuleCode;
  severity: Severity;
  message: string;
  fixes: Fix[];
}

export const SEVERITY: Record<RuleCode, Severity> = {
  BL001: 'warning',
  BL002: 'error',
  BL003: 'info',
  BL004: 'error',
  BL005: 'warning',
  BL006: 'info',
  // BL007–BL009 (apiRules.ts) set their own severity per finding; these are their strongest.
  BL007: 'error',
  BL008: 'error',
  BL009: 'warning',
  BL100: 'info',
  BL101: 'info',
};

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
  return value.text.split(PLACEHOLDER).join('');
}

/** Below this many static characters, a block with run-time parts is treated as per-request content. */
const PER_REQUEST_STATIC_CHARS = 32;

interface BlockView {
  block: Block;
  value: TextValue;
}

/** Applies the request-level rules BL001–BL006 and BL100 to one request. */
export function checkRequest(request: RequestModel, ctx: RuleContext): void {
  const views: BlockView[] = request.blocks.map((block) => ({ block, value: stringify(block.content, ctx.env) }));
  const explicit = request.blocks.filter((block) => block.breakpoint);
  const breakpoints: Breakpoint[] = explicit.map((block) => block.breakpoint as Breakpoint);
  if (request.automatic) breakpoints.push(request.automatic);
  checkRouting(request, views, ctx);
  // count_tokens applies no caching logic: its cache_control markers cost nothing either way.
  if (breakpoints.length === 0 || request.method.includes('count')) return;
  const lastIndex = request.automatic ? views.length - 1 : lastBreakpointIndex(views);
  const exempt = conversationTurn(request, views, lastIndex);
  const onlyBreakpointBlock = breakpoints.length === 1 && lastIndex >= 0 ? views[lastIndex] : undefined;
  const perRequestBreakpoint = onlyBreakpointBlock && !exempt.has(onlyBreakpointBlock) && isPerRequest(onlyBreakpointBlock.value) ? onlyBreakpointBlock : undefined;
  if (perRequestBreakpoint) reportOnlyBreakpointPerRequest(request, views, perRequestBreakpoint, breakpoints[0], ctx);
  for (let index = 0; index <= lastIndex && index < views.length; index++) {
    const view = views[index];
    // The automatic breakpoint always lands on the last block, by design: only BL005 speaks about it.
    if (exempt.has(view) || view === perRequestBreakpoint || (request.automatic && index === views.length - 1)) continue;
    for (const dynamic of view.value.dynamic) reportDynamic(request, view, views, lastIndex, dynamic, ctx);
    for (const unstable of view.value.unstable) reportUnstable(unstable, ctx);
  }
  checkBreakpointCount(request, explicit, ctx);
  checkTtlOrder(breakpoints, ctx);
  checkMinimum(request, views, lastIndex, breakpoints, ctx);
}

function lastBreakpointIndex(views: BlockView[]): number {
  for (let index = views.length - 1; index >= 0; index--) if (views[index].block.breakpoint) return index;
  return -1;
}

function isPerRequest(value: TextValue): boolean {
  return value.dynamic.length > 0 && staticText(value).trim().length < PER_REQUEST_STATIC_CHARS;
}

/**
 * The last user message of a conversation carries the breakpoint on purpose: each turn writes the
 * prefix the next turn reads. So its blocks are not per-request mistakes.
 */
function conversationTurn(request: RequestModel, views: BlockView[], lastIndex: number): Set<BlockView> {
  const exempt = new Set<BlockView>();
  const last = views[lastIndex];
  if (!last || last.block.section !== 'messages' || last.block.role === 'assistant') return exempt;
  const isLastMessage = request.conversation || last.block.messageIndex === request.messageCount - 1;
  const multiTurn = request.conversation || request.site.loop !== undefined || request.site.repeated === true || last.block.perItem;
  if (!isLastMessage || !multiTurn) return exempt;
  for (const view of views) if (view.block.section === 'messages' && view.block.messageIndex === last.block.messageIndex) exempt.add(view);
  return exempt;
}

const SECTION_NAMES = { tools: 'tool definitions', system: 'system prompt', messages: 'messages' } as const;

function reportDynamic(request: RequestModel, view: BlockView, views: BlockView[], lastIndex: number, dynamic: Dynamic, ctx: RuleContext): void {
  const where = view.block.breakpoint ? `the cached ${SECTION_NAMES[view.block.section]} block` : `the ${SECTION_NAMES[view.block.section]}, before a cache_control breakpoint`;
  const message =
    `Per-request content (${dynamic.reason}) is inside ${where}. The cache key is a hash of everything up to the breakpoint, ` +
    'so this value changes the key on every request and the cache is written but never read. ' +
    'Move it into a block after the last breakpoint (for example the user message), and keep only stable text before it.';
  const fixes = splitFix(request, view, views, lastIndex, dynamic, ctx);
  add(ctx, { code: 'BL001', start: dynamic.start, end: dynamic.end, message, fixes });
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

function reportOnlyBreakpointPerRequest(request: RequestModel, views: BlockView[], view: BlockView, breakpoint: Breakpoint, ctx: RuleContext): void {
  const reason = view.value.dynamic[0]?.reason ?? 'run-time data';
  const message =
    `The only cache breakpoint is on per-request content (${reason}): every request writes a new cache entry ` +
    '(at 1.25x the input price) and none is ever read. Put the breakpoint on the last block that is identical across requests, such as the system prompt.';
  const fixes: Fix[] = [];
  const index = views.indexOf(view);
  const stable = views.slice(0, index).reverse().find((candidate) => candidate.block.dict && candidate.value.dynamic.length === 0 && staticText(candidate.value).trim().length > 0);
  if (stable?.block.dict && breakpoint.holder && !breakpoint.automatic) {
    const removal = removeEntry(breakpoint.holder, breakpoint.entry);
    const insertion = addEntry(stable.block.dict, ctx.python ? '"cache_control": {"type": "ephemeral"}' : "cache_control: { type: 'ephemeral' }", ctx);
    if (removal && insertion) fixes.push({ title: 'Move the breakpoint to the last stable block', edits: [insertion, removal] });
  }
  const span = breakpoint.entry;
  add(ctx, { code: 'BL005', start: span.start, end: span.end, message, fixes });
  void request;
}

function checkBreakpointCount(request: RequestModel, explicit: Block[], ctx: RuleContext): void {
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

function checkMinimum(request: RequestModel, views: BlockView[], lastIndex: number, breakpoints: Breakpoint[], ctx: RuleContext): void {
  const model = request.model ?? ctx.options.defaultModel;
  const minimum = ctx.options.minCacheableTokens?.(model);
  if (minimum === undefined) return;
  const prefix = views.slice(0, lastIndex + 1);
  const sectionsUpToBreakpoint = new Set(prefix.map((view) => view.block.section));
  if ([...request.unresolved].some((section) => sectionsUpToBreakpoint.has(section) || (section === 'tools' && !sectionsUpToBreakpoint.has('tools')))) return;
  if (prefix.some((view) => !view.value.complete || view.block.perItem)) return;
  const text = prefix.map((view) => staticText(view.value)).join('\n');
  const tokens = ctx.options.estimateTokens ? ctx.options.estimateTokens(text, model) : Math.ceil(text.length / 4);
  if (tokens >= minimum) return;
  const breakpoint = breakpoints[breakpoints.length - 1];
  const message =
    `The cached prefix is about ${groupThousands(tokens)} tokens, below the ${groupThousands(minimum)}-token minimum for ${model}: ` +
    'the API silently skips caching (no error, both cache usage fields stay 0). Cache a longer stable prefix or drop the breakpoint.';
  add(ctx, { code: 'BL003', start: breakpoint.entry.start, end: breakpoint.entry.end, message, fixes: [] });
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

function checkRouting(request: RequestModel, views: BlockView[], ctx: RuleContext): void {
  if (!request.model || !request.modelSpan || !EXPENSIVE_TIER.test(request.model)) return;
  const prompt = views.map((view) => staticText(view.value)).join('\n');
  const match = SIMPLE_TASK.exec(prompt);
  if (!match) return;
  const message =
    `\`${request.model}\` is an expensive tier, and this prompt looks like classification or extraction ("${match[0]}"). ` +
    'Smaller models usually handle such tasks at a fraction of the price: try Haiku on a sample of real inputs and compare.';
  add(ctx, { code: 'BL100', start: request.modelSpan.start, end: request.modelSpan.end, message, fixes: [] });
}

/** BL101: synchronous create calls made once per element of a collection. */
export function checkBatchCandidates(facts: StatementFacts[], ctx: RuleContext): void {
  const creators = new Set<string>();
  for (const statement of facts) {
    for (const site of statement.sdkCalls) {
      if (!isSyncCreate(site.call.callee)) continue;
      let scope = site.scope;
      while (scope.parent && scope.parent.name !== '<module>') scope = scope.parent;
      creators.add(scope.name);
      if (site.loop) {
        const callee = site.call.calleeExpr;
        add(ctx, { code: 'BL101', start: callee.start, end: callee.end, message: batchMessage(`\`${site.call.callee}\` runs once per element of a collection`), fixes: [] });
      }
    }
  }
  for (const statement of facts) {
    for (const loopCall of statement.loopCalls) {
      if (creators.has(loopCall.name) && ctx.env.functions.has(loopCall.name)) {
        add(ctx, { code: 'BL101', start: loopCall.start, end: loopCall.end, message: batchMessage(`\`${loopCall.name}()\` sends a synchronous \`messages.create\` request and is called once per element of a collection`), fixes: [] });
      }
    }
  }
}

function isSyncCreate(callee: string): boolean {
  return (callee.endsWith('messages.create') || callee.endsWith('messages.parse')) && !callee.includes('batches');
}

function batchMessage(what: string): string {
  return `Batch candidate: ${what}. If nobody waits on each answer, send them as one Message Batch (messages.batches.create): every token costs 50% less, results arrive within 24 hours (usually minutes).`;
}

function add(ctx: RuleContext, finding: Omit<RawFinding, 'severity'>): void {
  if (ctx.options.disabledRules?.includes(finding.code)) return;
  const key = `${finding.code}:${finding.start}:${finding.end}`;
  if (ctx.reported.has(key)) return;
  ctx.reported.add(key);
  ctx.findings.push({ ...finding, severity: SEVERITY[finding.code] });
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

/**
 * BL001 fix: when the dynamic part sits in the text literal of the last breakpoint's block, keep
 * the static start of the literal in that cached block and move the rest into a new block after it.
 */
function splitFix(request: RequestModel, view: BlockView, views: BlockView[], lastIndex: number, dynamic: Dynamic, ctx: RuleContext): Fix[] {
  const block = view.block;
  if (!block.breakpoint || views[lastIndex] !== view || !block.dict || !block.list || block.perItem) return [];
  const literal = block.content.expr;
  if (literal.kind !== 'str') return [];
  const firstDynamic = literal.parts.findIndex((part) => 'expr' in part && part.expr.start <= dynamic.start && part.expr.end >= dynamic.end);
  const part = literal.parts[firstDynamic];
  if (!part || !('expr' in part) || !part.open) return [];
  const earlierDynamic = literal.parts.slice(0, firstDynamic).some((candidate) => 'expr' in candidate && stringify({ expr: candidate.expr, scope: block.content.scope }, ctx.env).dynamic.length > 0);
  if (earlierDynamic) return [];
  const prefixSource = ctx.text.slice(literal.start, part.start);
  const prefixStatic = literal.parts.slice(0, firstDynamic).map((candidate) => ('text' in candidate ? candidate.text : '')).join('');
  if (prefixStatic.trim().length === 0) return [];
  // The prefix keeps its f/template prefix: constants interpolated before the split still render.
  const prefixLiteral = `${prefixSource}${part.close}`;
  const rest = `${part.open}${ctx.text.slice(part.start, literal.end)}`;
  const newBlock = ctx.python ? `{"type": "text", "text": ${rest}}` : `{ type: 'text', text: ${rest} }`;
  const edits: TextEdit[] = [
    { start: literal.start, end: literal.end, newText: prefixLiteral },
    { start: block.dict.end, end: block.dict.end, newText: `, ${newBlock}` },
  ];
  void request;
  return [{ title: 'Move the per-request part into a new block after the breakpoint', edits }];
}
