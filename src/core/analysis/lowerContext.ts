import type { Node } from '@vscode/tree-sitter-wasm';
import type { Binding, CallSite, Expr, Scope, Span, StatementFacts } from './ir';

/** SDK methods whose arguments form a Messages request (`batches.create` carries several). */
const SDK_METHOD_SUFFIXES = ['messages.create', 'messages.stream', 'messages.count_tokens', 'messages.countTokens', 'messages.parse', 'messages.batches.create'];

/** True when a dotted callee such as `client.beta.messages.create` is an Anthropic SDK request. */
export function isSdkCallee(callee: string): boolean {
  return SDK_METHOD_SUFFIXES.some((suffix) => callee === suffix || callee.endsWith(`.${suffix}`));
}

/**
 * Substrings whose absence lets the lowerer skip a statement's body: code without any of them
 * cannot hold an SDK call, a cache breakpoint, a block list or a prompt. It only saves work; the
 * tree decides everything else.
 */
const RELEVANT_WORDS = ['messages', 'cache_control', 'system', 'content', 'params', 'Request', 'prompt', 'PROMPT', 'role', 'SYSTEM', 'INSTRUCTION', 'TEMPLATE', 'EXAMPLES', 'text', 'instruction', 'Instruction', 'Prompt', 'System', 'Template', 'examples', 'template'];

export function mentionsRequestWords(text: string, start: number, end: number): boolean {
  // Search the slice, not the text from `start`: a missing word must not cost a scan to the end of the file.
  const slice = text.slice(start, end);
  return RELEVANT_WORDS.some((word) => slice.includes(word));
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

export function newFacts(node: Node): StatementFacts {
  return { start: node.startIndex, end: node.endIndex, bindings: [], functions: [], sdkCalls: [], loopCalls: [] };
}

export function moduleScope(node: Node): Scope {
  return { name: '<module>', start: node.startIndex, end: node.endIndex, params: [], bindings: [], returns: [] };
}

export function isModuleScope(scope: Scope): boolean {
  return scope.name === '<module>';
}

/** Records a binding in the current function, or as a module/class binding at the top level. */
export function bind(ctx: LowerContext, binding: Binding): void {
  if (isModuleScope(ctx.scope)) ctx.facts.bindings.push(ctx.className ? { ...binding, className: ctx.className } : binding);
  else ctx.scope.bindings.push(binding);
}

export function newScope(ctx: LowerContext, name: string, node: Node, params: string[]): Scope {
  const scope: Scope = { name, start: node.startIndex, end: node.endIndex, params, bindings: [], returns: [], parent: ctx.scope };
  for (const param of params) scope.bindings.push({ name: param, kind: 'param', at: node.startIndex, end: node.startIndex });
  return scope;
}

/** Registers SDK calls and simple calls inside loops as they are lowered. */
export function noteCall(ctx: LowerContext, call: Extract<Expr, { kind: 'call' }>): void {
  if (isSdkCallee(call.callee)) {
    const site: CallSite = { call, scope: ctx.scope, loop: ctx.loop, repeated: ctx.repeated || ctx.loop !== undefined };
    ctx.facts.sdkCalls.push(site);
  } else if (ctx.loop && /^[A-Za-z_$][\w$]*$/.test(call.callee)) {
    ctx.facts.loopCalls.push({ name: call.callee, start: call.start, end: call.end });
  }
  const callee = call.calleeExpr;
  if ((call.callee.endsWith('.append') || call.callee.endsWith('.push') || call.callee.endsWith('.extend')) && callee.kind === 'member' && callee.object.kind === 'ref') {
    const pushed = call.callee.endsWith('.extend') ? call.args.map((arg): Expr => ({ kind: 'spread', start: arg.start, end: arg.end, value: arg })) : call.args;
    for (const value of pushed) bind(ctx, { name: callee.object.name, kind: 'append', at: call.start, end: call.end, value });
  }
}

export function opaque(node: Node, what: string): Expr {
  return { kind: 'opaque', start: node.startIndex, end: node.endIndex, what };
}
