/**
 * A small, language-neutral picture of the parts of a source file the cache lint cares about:
 * values (strings, lists, dicts, references, calls), scopes with their bindings, and SDK call
 * sites. The Python and JS/TS lowerers produce it from tree-sitter nodes; everything after
 * lowering (value resolution, rules, fixes) works on it alone, so facts can be cached per
 * top-level statement and reused after an edit. Offsets are absolute UTF-16 offsets.
 */

export interface Span {
  start: number;
  end: number;
}

/**
 * A piece of a string: literal text, or an interpolated expression. `start`/`end` of an
 * interpolation cover its delimiters (`{x}`, `${x}`); `open`/`close` are the delimiters of the
 * literal it sits in, so a fix can split the literal there.
 */
export type StrPart = { text: string } | { expr: Expr; start: number; end: number; open: string; close: string };

export type Expr =
  | (Span & { kind: 'str'; parts: StrPart[]; multiline: boolean; template: boolean })
  | (Span & { kind: 'num' | 'bool' | 'null' })
  /** `open`: an item is a spread, so the list has more items than it lists. */
  | (Span & { kind: 'list'; items: Expr[]; open: boolean; isSet: boolean })
  | (Span & { kind: 'dict'; entries: DictEntry[]; open: boolean; closeOffset: number })
  | (Span & { kind: 'ref'; name: string })
  | (Span & { kind: 'member'; object: Expr; property: string })
  | (Span & { kind: 'index'; object: Expr; index: Expr })
  | (Span & { kind: 'call'; callee: string; calleeExpr: Expr; args: Expr[]; kwargs: Kwarg[]; argsClose: number; isNew: boolean })
  | (Span & { kind: 'comp'; body: Expr; vars: string[]; iter: Expr })
  | (Span & { kind: 'choice'; options: Expr[] })
  | (Span & { kind: 'spread'; value: Expr })
  | (Span & { kind: 'concat'; left: Expr; right: Expr })
  | (Span & { kind: 'func'; scope: Scope })
  /** `inner`: the value a destructuring pattern takes apart (read for prompt fields, never resolved as text). */
  | (Span & { kind: 'opaque'; what: string; inner?: Expr });

export interface DictEntry extends Span {
  /** The key when it is a plain name or string; undefined for spreads and computed keys. */
  key?: string;
  value: Expr;
}

export interface Kwarg extends Span {
  name: string;
  value: Expr;
}

/** `set`: a key or attribute assigned after construction (`block["cache_control"] = …`, `msgs[-1]["content"] = …`). */
export type BindingKind = 'assign' | 'param' | 'loop-var' | 'append' | 'augment' | 'function' | 'set';

export interface Binding {
  name: string;
  kind: BindingKind;
  /** Offset of the statement that binds, to pick the latest binding before a use. */
  at: number;
  /** End of the binding statement (the prompt-constant range runs from `at` to here). */
  end: number;
  value?: Expr;
  /** For `set`: the keys and indexes from the variable to the assigned slot (`[-1, "content"]`). */
  path?: (string | number)[];
  /** For a `loop-var` inside a function: the collection the loop walks (`messages[-2:]`), so marks set on the variable can be traced to it. */
  iter?: Expr;
}

/** A function, method or lambda body (or the module itself) with what it binds. */
export interface Scope extends Span {
  name: string;
  params: string[];
  bindings: Binding[];
  returns: Expr[];
  /** Nested functions, so lookups can walk outwards. */
  parent?: Scope;
}

/**
 * How a call sends a Messages request: an Anthropic SDK method (or an alias of one), litellm's
 * `completion`, a raw HTTP POST to `/v1/messages`, the Vercel AI SDK, or a LangChain chat model.
 */
export type CallKind = 'sdk' | 'litellm' | 'http' | 'vercel' | 'langchain';

export interface CallSite {
  call: Extract<Expr, { kind: 'call' }>;
  /** Absent for the Anthropic SDK's own methods. */
  kind?: CallKind;
  scope: Scope;
  /** The innermost loop over a collection around the call, if any. */
  loop?: Span;
  /** True inside any loop (including `while`): a chat loop repeats the call turn after turn. */
  repeated?: boolean;
}

/** What one top-level statement contributes; reused as is while the statement is unchanged. */
export interface StatementFacts extends Span {
  /** Module-level (and class-level, with `className`) bindings. */
  bindings: (Binding & { className?: string })[];
  /** Top-level functions and methods by name, for helper resolution. */
  functions: Scope[];
  /** SDK calls found anywhere in the statement. */
  sdkCalls: CallSite[];
  /** Simple calls (by name) made inside loops over collections, for the indirect batch hint. */
  loopCalls: (Span & { name: string; loop?: Span })[];
  /** Calls of plain names and `self.`/`this.` methods, so a helper's parameters can be followed to what its callers pass. */
  calls: CallRef[];
  /**
   * False when lowering met no call of another LLM client (see sentReferences), so nothing in the
   * statement can send a module constant that way; undefined when not known.
   */
  otherModelCalls?: boolean;
}

/** A call of a function by name (`helper(x)`, `self.helper(x)`), with the scope it is made in. */
export interface CallRef {
  name: string;
  call: Extract<Expr, { kind: 'call' }>;
  scope: Scope;
}

/**
 * Adds `delta` to the offsets a statement exposes to the whole file: its own span and its
 * module-level bindings' spans. Cheap, so every statement after an edit gets it at once; the
 * rest (values, scopes, call sites) waits in shiftFactsInterior until something reads it.
 */
export function shiftFactsSurface(facts: StatementFacts, delta: number): void {
  if (delta === 0) return;
  facts.start += delta;
  facts.end += delta;
  for (const binding of facts.bindings) {
    binding.at += delta;
    binding.end += delta;
  }
}

/**
 * Adds `delta` to every offset below a statement's surface (see shiftFactsSurface): each type's
 * offset fields are named here, so a new kind of value or a new offset field is a type error in
 * the walkers below rather than a field the shift silently misses.
 */
export function shiftFactsInterior(facts: StatementFacts, delta: number): void {
  if (delta === 0) return;
  // Objects are shared (a call is a binding's value and a call site; scopes link to parents): shift
  // each once. The statement's own bindings were moved with its surface.
  const shifter = new OffsetShifter(delta, facts.bindings);
  for (const binding of facts.bindings) {
    shifter.expr(binding.value);
    if (binding.iter) shifter.expr(binding.iter);
  }
  for (const scope of facts.functions) shifter.scope(scope);
  for (const site of facts.sdkCalls) shifter.callSite(site);
  for (const call of facts.loopCalls) {
    if (shifter.first(call)) {
      shifter.span(call);
      shifter.spanOnce(call.loop);
    }
  }
  for (const ref of facts.calls) {
    if (!shifter.first(ref)) continue;
    shifter.expr(ref.call);
    shifter.scope(ref.scope);
  }
}

class OffsetShifter {
  private readonly seen: Set<object>;

  constructor(
    private readonly delta: number,
    alreadyShifted: readonly object[],
  ) {
    this.seen = new Set(alreadyShifted);
  }

  /** True the first time an object is met. */
  first(value: object): boolean {
    if (this.seen.has(value)) return false;
    this.seen.add(value);
    return true;
  }

  span(span: Span): void {
    span.start += this.delta;
    span.end += this.delta;
  }

  spanOnce(span: Span | undefined): void {
    if (span && this.first(span)) this.span(span);
  }

  expr(expr: Expr | undefined): void {
    if (!expr || !this.first(expr)) return;
    this.span(expr);
    switch (expr.kind) {
      case 'str':
        for (const part of expr.parts) {
          if (!('expr' in part) || !this.first(part)) continue;
          this.span(part);
          this.expr(part.expr);
        }
        return;
      case 'num':
      case 'bool':
      case 'null':
      case 'ref':
        return;
      case 'list':
        for (const item of expr.items) this.expr(item);
        return;
      case 'dict':
        expr.closeOffset += this.delta;
        for (const entry of expr.entries) {
          if (!this.first(entry)) continue;
          this.span(entry);
          this.expr(entry.value);
        }
        return;
      case 'member':
        this.expr(expr.object);
        return;
      case 'index':
        this.expr(expr.object);
        this.expr(expr.index);
        return;
      case 'call':
        expr.argsClose += this.delta;
        this.expr(expr.calleeExpr);
        for (const arg of expr.args) this.expr(arg);
        for (const kwarg of expr.kwargs) {
          if (!this.first(kwarg)) continue;
          this.span(kwarg);
          this.expr(kwarg.value);
        }
        return;
      case 'comp':
        this.expr(expr.body);
        this.expr(expr.iter);
        return;
      case 'choice':
        for (const option of expr.options) this.expr(option);
        return;
      case 'spread':
        this.expr(expr.value);
        return;
      case 'concat':
        this.expr(expr.left);
        this.expr(expr.right);
        return;
      case 'func':
        this.scope(expr.scope);
        return;
      case 'opaque':
        this.expr(expr.inner);
        return;
      default:
        return unknownExpr(expr);
    }
  }

  scope(scope: Scope | undefined): void {
    if (!scope || !this.first(scope)) return;
    this.span(scope);
    for (const binding of scope.bindings) this.binding(binding);
    for (const value of scope.returns) this.expr(value);
    this.scope(scope.parent);
  }

  binding(binding: Binding): void {
    if (!this.first(binding)) return;
    binding.at += this.delta;
    binding.end += this.delta;
    this.expr(binding.value);
    if (binding.iter) this.expr(binding.iter);
  }

  callSite(site: CallSite): void {
    if (!this.first(site)) return;
    this.expr(site.call);
    this.scope(site.scope);
    this.spanOnce(site.loop);
  }
}

/** Compile-time check that the walker above handles every kind of value. */
function unknownExpr(expr: never): void {
  throw new Error(`shiftFactsInterior: unknown value kind ${(expr as { kind?: unknown }).kind as string}`);
}
