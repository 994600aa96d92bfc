import { type SyntaxNode, namedChildrenOf } from './syntaxNodes';
import type { Binding, CallKind, CallSite, Expr, Scope, Span, StatementFacts } from './ir';
import { isOtherModelCall } from './promptDiscovery';
import { emptyList, isEmptyList } from '../util/emptyList';

/** SDK methods whose arguments form a Messages request (`batches.create` carries several). */
const SDK_METHOD_SUFFIXES = ['messages.create', 'messages.stream', 'messages.count_tokens', 'messages.countTokens', 'messages.parse', 'messages.batches.create'];

/** The suffixes with their leading dot, made once (this test runs for every call lowered and resolved). */
const DOTTED_SDK_SUFFIXES = SDK_METHOD_SUFFIXES.map((suffix) => `.${suffix}`);

/** True when a dotted callee such as `client.beta.messages.create` is an Anthropic SDK request. */
export function isSdkCallee(callee: string): boolean {
  for (let index = 0; index < SDK_METHOD_SUFFIXES.length; index++) {
    if (callee === SDK_METHOD_SUFFIXES[index] || callee.endsWith(DOTTED_SDK_SUFFIXES[index])) return true;
  }
  return false;
}

/**
 * Substrings whose absence lets the lowerer skip a statement's body: code without any of them
 * cannot hold an SDK call, a cache breakpoint, a block list or a prompt. It only saves work; the
 * tree decides everything else.
 */
const RELEVANT_WORDS = [
  'messages', 'cache_control', 'system', 'content', 'params', 'Request', 'prompt', 'PROMPT', 'role', 'SYSTEM', 'INSTRUCTION', 'TEMPLATE', 'EXAMPLES', 'text',
  'instruction', 'Instruction', 'Prompt', 'System', 'Template', 'examples', 'template',
  // Sources of per-request values: a body using one may pass it to a helper that builds a prompt.
  'input(', 'stdin', 'argv', 'readline', 'question(', 'request', 'req.', 'now(', 'today(', 'Date', 'uuid', 'random', 'time(',
];

/** The words as one alternation of literals: one scan of the slice instead of one per word (~4x faster). */
const RELEVANT_WORD = new RegExp(RELEVANT_WORDS.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));

/** True when a node's text holds a line break (read in place: slicing the text for it costs a copy per string). */
export function spansLines(node: SyntaxNode, text: string): boolean {
  const end = node.endIndex;
  for (let at = node.startIndex; at < end; at++) if (text.charCodeAt(at) === 10) return true;
  return false;
}

export function mentionsRequestWords(text: string, start: number, end: number): boolean {
  // Search the slice, not the text from `start`: a missing word must not cost a scan to the end of the file.
  return RELEVANT_WORD.test(text.slice(start, end));
}

/** Deepest expression nesting lowered before a value is treated as opaque (keeps recursion bounded). */
export const MAX_DEPTH = 200;

/** State threaded through lowering one top-level statement. */
export interface LowerContext {
  text: string;
  facts: StatementFacts;
  scope: Scope;
  /** The innermost loop over a collection around the current code, within the current function. */
  loop?: Span;
  /** Inside any loop of the current function, `while` included. */
  repeated?: boolean;
  /** Class whose body is being lowered (class-level bindings). */
  className?: string;
  depth: number;
}

/** `ctx` with another scope, loop, repetition and class (fields written out: object spread is slow on this path). */
export function contextWith(ctx: LowerContext, scope: Scope, loop: Span | undefined, repeated: boolean | undefined, className: string | undefined): LowerContext {
  return { text: ctx.text, facts: ctx.facts, scope, loop, repeated, className, depth: ctx.depth };
}

/** The named children, without nulls (namedChildrenOf, under the lowerers' short name). */
export const named: (node: SyntaxNode) => readonly SyntaxNode[] = namedChildrenOf;

/**
 * The list without spare room, once nothing more is added to it. An array grown by push keeps room
 * for 16 more items, and the facts of a large file hold tens of thousands of short lists until its
 * analysis ends: that room and the empty lists were half of their memory, which the collector
 * copied (and the caches held) with the rest.
 */
export function compact<T>(list: T[]): T[] {
  // Short lists (most of them) are made by literals: V8 learns that what a literal's site makes
  // outlives the young generation and allocates it in the old one at once, where `slice` (a builtin,
  // with no such site) leaves every copy to be copied again by each collection it survives.
  // A list of one built by append is exact already.
  switch (list.length) {
    case 0:
      return emptyList();
    case 1:
      return list;
    case 2:
      return [list[0], list[1]];
    case 3:
      return [list[0], list[1], list[2]];
    default:
      return list.slice();
  }
}

/**
 * Adds `item` to a list of lowered facts and returns the list to keep in its place. The lists start
 * as the shared empty one (emptyList) and the first item makes a list of exactly one, as most of them
 * stay: an array grown by push reserves room for 16 more items, which compact then copies away, and
 * a large file has tens of thousands of these lists. Lists built this way are compacted with compact.
 */
export function append<T>(list: T[], item: T): T[] {
  if (isEmptyList(list)) return [item];
  list.push(item);
  return list;
}

/** A statement's facts with their lists compacted (see compact), once it is lowered. */
export function compactFacts(facts: StatementFacts): StatementFacts {
  facts.bindings = compact(facts.bindings);
  facts.functions = compact(facts.functions);
  facts.sdkCalls = compact(facts.sdkCalls);
  facts.loopCalls = compact(facts.loopCalls);
  facts.calls = compact(facts.calls);
  return facts;
}

/** Compacts a scope's lists once its body is lowered (see compact). */
export function compactScope(scope: Scope): void {
  scope.params = compact(scope.params);
  scope.bindings = compact(scope.bindings);
  scope.returns = compact(scope.returns);
}

/** A statement's facts, its lists empty until append adds to them. */
export function newFacts(node: SyntaxNode): StatementFacts {
  return { start: node.startIndex, end: node.endIndex, bindings: emptyList(), functions: emptyList(), sdkCalls: emptyList(), loopCalls: emptyList(), calls: emptyList(), otherModelCalls: false };
}

export function moduleScope(node: SyntaxNode): Scope {
  return { name: '<module>', start: node.startIndex, end: node.endIndex, params: emptyList(), bindings: emptyList(), returns: emptyList() };
}

export function isModuleScope(scope: Scope): boolean {
  return scope.name === '<module>';
}

/** Records a binding in the current function, or as a module/class binding at the top level. */
export function bind(ctx: LowerContext, binding: Binding): void {
  if (isModuleScope(ctx.scope)) ctx.facts.bindings = append(ctx.facts.bindings, ctx.className ? { ...binding, className: ctx.className } : binding);
  else ctx.scope.bindings = append(ctx.scope.bindings, binding);
}

/**
 * A function's scope. `withBody`: its body is lowered, so its parameters are bound in it; a body
 * left out (see mentionsRequestWords) holds no lowered name for a lookup to start from, and most
 * functions of a file are such stubs, which the analysis keeps alive until it ends.
 */
export function newScope(ctx: LowerContext, name: string, node: SyntaxNode, params: string[], withBody = true): Scope {
  const scope: Scope = { name, start: node.startIndex, end: node.endIndex, params, bindings: emptyList(), returns: emptyList(), parent: ctx.scope };
  if (withBody) for (const param of params) scope.bindings = append(scope.bindings, { name: param, kind: 'param', at: node.startIndex, end: node.startIndex });
  return scope;
}

const LITELLM = /^(litellm\.)?a?completion$|^litellm\.a?completion$/;
const HTTP_POST = /^(fetch|axios|axios\.post|requests\.post|httpx\.post|[\w.]*(session|client|http|_client)\.post|got\.post|ky\.post)$/i;
const VERCEL = /^(generateText|streamText|generateObject|streamObject|ai\.generateText|ai\.streamText)$/;
const LANGCHAIN_METHODS = /\.(invoke|ainvoke|stream|astream|batch|abatch)$/;
const SDK_ALIAS_METHODS = /^[A-Za-z_$][\w$]*\.(create|stream|parse|count_tokens|countTokens)$/;

/** How a call sends a Messages request, judged from its shape alone (requestsOf checks the rest). */
/** The last name of every callee the kinds below can match: most calls are rejected by one lookup. */
const REQUEST_METHODS = new Set(['create', 'stream', 'count_tokens', 'countTokens', 'parse', 'completion', 'acompletion', 'fetch', 'axios', 'post', 'generateText', 'streamText', 'generateObject', 'streamObject', 'invoke', 'ainvoke', 'astream', 'batch', 'abatch']);

function callKind(ctx: LowerContext, call: Extract<Expr, { kind: 'call' }>): CallKind | undefined {
  const callee = call.callee;
  if (!REQUEST_METHODS.has(callee.slice(callee.lastIndexOf('.') + 1))) return undefined;
  if (isSdkCallee(callee)) return 'sdk';
  if (SDK_ALIAS_METHODS.test(callee) && aliasesMessages(ctx, callee.slice(0, callee.indexOf('.')))) return 'sdk';
  if (LITELLM.test(callee)) return 'litellm';
  if (VERCEL.test(callee)) return 'vercel';
  if (HTTP_POST.test(callee) && call.args[0] && call.args[0].kind !== 'num') return 'http';
  if (LANGCHAIN_METHODS.test(callee) && call.args.length > 0 && (call.calleeExpr.kind === 'member' && (call.calleeExpr.object.kind === 'ref' || call.calleeExpr.object.kind === 'member'))) return 'langchain';
  return undefined;
}

/** True when `name` is bound nearby to something ending in `.messages` (`api = client.beta.messages if beta else client.messages`). */
function aliasesMessages(ctx: LowerContext, name: string): boolean {
  const bindings = isModuleScope(ctx.scope) ? ctx.facts.bindings : ctx.scope.bindings;
  const binding = bindings.find((candidate) => candidate.name === name && candidate.value);
  const value = binding?.value;
  if (!value) return false;
  const endsInMessages = (expr: Expr): boolean => (expr.kind === 'member' && expr.property === 'messages') || (expr.kind === 'choice' && expr.options.some(endsInMessages));
  return endsInMessages(value);
}

/** Registers request-sending calls and simple calls inside loops as they are lowered. */
export function noteCall(ctx: LowerContext, call: Extract<Expr, { kind: 'call' }>): void {
  const kind = callKind(ctx, call);
  if (!ctx.facts.otherModelCalls && isOtherModelCall(call.callee)) ctx.facts.otherModelCalls = true;
  if (kind) {
    // One shape for every site (a property added after the literal costs each object a second store).
    const site: CallSite = { call, kind: kind === 'sdk' ? undefined : kind, scope: ctx.scope, loop: ctx.loop, repeated: ctx.repeated || ctx.loop !== undefined };
    ctx.facts.sdkCalls = append(ctx.facts.sdkCalls, site);
  }
  if (kind === 'sdk') {
    // Counted as a request; not also a helper call.
  } else if (ctx.loop && /^[A-Za-z_$][\w$]*$/.test(call.callee)) {
    ctx.facts.loopCalls = append(ctx.facts.loopCalls, { name: call.callee, start: call.start, end: call.end, loop: { start: ctx.loop.start, end: ctx.loop.end } });
  }
  const callee = call.calleeExpr;
  if (callee.kind === 'ref') ctx.facts.calls = append(ctx.facts.calls, { name: callee.name, call, scope: ctx.scope });
  else if (callee.kind === 'member' && callee.object.kind === 'ref' && SELF_NAMES.has(callee.object.name)) ctx.facts.calls = append(ctx.facts.calls, { name: callee.property, call, scope: ctx.scope });
  // `prompts.build(x)`, `pkg.prompts.build(x)`: a function of an imported module (workspaceIndex.ts follows these across files).
  else if (callee.kind === 'member' && DOTTED.test(call.callee)) ctx.facts.calls = append(ctx.facts.calls, { name: call.callee, call, scope: ctx.scope });
  if ((call.callee.endsWith('.append') || call.callee.endsWith('.push') || call.callee.endsWith('.extend')) && callee.kind === 'member' && callee.object.kind === 'ref') {
    const pushed = call.callee.endsWith('.extend') ? call.args.map((arg): Expr => ({ kind: 'spread', start: arg.start, end: arg.end, value: arg })) : call.args;
    for (const value of pushed) bind(ctx, { name: callee.object.name, kind: 'append', at: call.start, end: call.end, value });
  }
}

const SELF_NAMES = new Set(['self', 'this', 'cls']);
const DOTTED = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

export function opaque(node: SyntaxNode, what: string): Expr {
  return { kind: 'opaque', start: node.startIndex, end: node.endIndex, what };
}
