import type { Binding, CallRef, DictEntry, Expr, Scope, Span, StatementFacts } from './ir';
import type { CrossFileEvidence } from './workspaceIndex';
import { emptyList } from '../util/emptyList';

/** Map's own `get`, called directly: a `super.get` costs more on these hot reads. */
const mapGet = Map.prototype.get;

/**
 * A name table that notes which names are read while `recording` is set: a statement's results
 * stay valid while every module-level name they read still has the same bindings.
 */
export class NameTable<V> extends Map<string, V> {
  /** True between recordDependencies and takeDependencies. */
  recordingOn = false;
  /** The names read while recording, made on the first read (most statements read none). */
  recording: Set<string> | undefined;
  /** Called with each value read (and its name), so the statement that owns it can bring its offsets up to date first. */
  onRead: ((value: V, name: string) => void) | undefined;

  override get(name: string): V | undefined {
    if (this.recordingOn) (this.recording ??= new Set()).add(name);
    const value = mapGet.call(this, name) as V | undefined;
    if (value !== undefined) this.onRead?.(value, name);
    return value;
  }

  override has(name: string): boolean {
    if (this.recordingOn) (this.recording ??= new Set()).add(name);
    return super.has(name);
  }

  /** Reads without recording (for checking recorded names). */
  peek(name: string): V | undefined {
    return mapGet.call(this, name) as V | undefined;
  }
}

/** Everything a file binds at module and class level, built once per analysis from the facts. */
export interface ModuleEnv {
  bindings: NameTable<Binding[]>;
  classBindings: NameTable<Binding[]>;
  functions: NameTable<Scope>;
  /** Calls of each plain name or method name anywhere in the file (what a helper's parameters receive). */
  callers: NameTable<CallRef[]>;
  /** Evidence from other workspace files (callers passing arguments, imported helpers' returns), when the analysis has it. */
  external?: CrossFileEvidence;
  /**
   * The texts of module-level string values, each rendered once (see prompts.ts constantText). Only
   * an env that is built for one evaluation and read by nothing that records dependencies has one
   * (a one-shot analysis): a kept env changes under edits, and a memo would hide the names it reads.
   */
  constantTexts?: Map<Expr, ConstantText>;
  /** Model ids found in service (no BL007 to say), with the date they were judged on; kept like constantTexts (see apiRules.ts). */
  modelsInService?: Map<string, string>;
}

/** A module-level string value rendered as text (escapes decoded), and whether it reads as prose (filled in on first need). */
export interface ConstantText {
  text: string;
  /** nonProseReason of the text: undefined until asked, null when it reads as prose. */
  nonProse?: string | null;
}

/**
 * The bindings, helpers and arguments a resolution is inside of (what stops it going round in
 * circles), with a Set's has/add/delete: a resolution is rarely more than a few steps deep, so
 * the first four are held in fields (no table to allocate or hash into), the rest in a Set.
 */
export class Guard {
  private first: object | undefined;
  private second: object | undefined;
  private third: object | undefined;
  private fourth: object | undefined;
  private rest: Set<object> | undefined;

  has(value: object): boolean {
    return value === this.first || value === this.second || value === this.third || value === this.fourth || (this.rest !== undefined && this.rest.has(value));
  }

  add(value: object): void {
    if (this.has(value)) return;
    if (this.first === undefined) this.first = value;
    else if (this.second === undefined) this.second = value;
    else if (this.third === undefined) this.third = value;
    else if (this.fourth === undefined) this.fourth = value;
    else (this.rest ??= new Set()).add(value);
  }

  delete(value: object): void {
    if (value === this.first) this.first = undefined;
    else if (value === this.second) this.second = undefined;
    else if (value === this.third) this.third = undefined;
    else if (value === this.fourth) this.fourth = undefined;
    else this.rest?.delete(value);
  }
}

/** The module-level names an evaluation read, with what they meant then. */
export interface EnvDependencies {
  bindings: [string, Binding[] | undefined][];
  classBindings: [string, Binding[] | undefined][];
  functions: [string, Scope | undefined][];
  callers: [string, CallRef[] | undefined][];
}

/** Starts noting the names read from `env`. */
export function recordDependencies(env: ModuleEnv): void {
  startRecording(env.bindings);
  startRecording(env.classBindings);
  startRecording(env.functions);
  startRecording(env.callers);
}

function startRecording<V>(table: NameTable<V>): void {
  table.recordingOn = true;
  table.recording = undefined;
}

/** Stops noting and returns what was read since recordDependencies. */
export function takeDependencies(env: ModuleEnv): EnvDependencies {
  if (!env.bindings.recording && !env.classBindings.recording && !env.functions.recording && !env.callers.recording) {
    env.bindings.recordingOn = env.classBindings.recordingOn = env.functions.recordingOn = env.callers.recordingOn = false;
    return NO_DEPENDENCIES;
  }
  return { bindings: snapshot(env.bindings), classBindings: snapshot(env.classBindings), functions: snapshot(env.functions), callers: snapshot(env.callers) };
}

/**
 * What a statement that read no module-level name depends on (most do not read any), and what a
 * result no edit will reuse records (a one-shot analysis); shared, never changed.
 */
export const NO_DEPENDENCIES: EnvDependencies = Object.freeze({ bindings: emptyList(), classBindings: emptyList(), functions: emptyList(), callers: emptyList() });

function snapshot<V>(table: NameTable<V>): [string, V | undefined][] {
  const names = table.recording;
  table.recordingOn = false;
  table.recording = undefined;
  const out: [string, V | undefined][] = [];
  if (names) for (const name of names) out.push([name, table.peek(name)]);
  return out;
}

/** True when every recorded name still has the very same bindings (their statements did not change). */
export function dependenciesHold(deps: EnvDependencies, env: ModuleEnv): boolean {
  if (!sameLists(env.bindings, deps.bindings) || !sameLists(env.classBindings, deps.classBindings) || !sameLists(env.callers, deps.callers)) return false;
  for (const [name, before] of deps.functions) if (env.functions.peek(name) !== before) return false;
  return true;
}

function sameLists<T>(table: NameTable<T[]>, entries: [string, T[] | undefined][]): boolean {
  for (const [name, before] of entries) {
    const now = table.peek(name);
    if (now === before) continue;
    if (!before || !now) {
      if (before !== now) return false;
      continue;
    }
    if (before.length !== now.length) return false;
    for (let index = 0; index < before.length; index++) if (before[index] !== now[index]) return false;
  }
  return true;
}

/** An expression with the scope its names resolve in (undefined: module level). */
export interface Located {
  expr: Expr;
  scope: Scope | undefined;
  /** Keys assigned to this value after it was built (`system[0]["cache_control"] = …`). */
  sets?: SlotSet[];
}

/** One key assigned after construction: the key, the assignment statement, the value. */
export interface SlotSet {
  key: string;
  entry: DictEntry;
  value: Located;
}

/** `set` bindings of `name` made after `after` and up to `at`, in the scope that binds it (or the module). */
function setsOf(env: ModuleEnv, name: string, scope: Scope | undefined, after: number, at: number): Binding[] {
  const source = scope ? scope.bindings : env.bindings.get(name) ?? [];
  return source.filter((binding) => binding.name === name && binding.kind === 'set' && binding.at > after && binding.at <= at && binding.path && binding.value);
}

function slotSet(binding: Binding, key: string, scope: Scope | undefined): SlotSet {
  const value = binding.value as Expr;
  return { key, entry: { key, start: binding.at, end: binding.end, value }, value: { expr: value, scope } };
}

/**
 * How often a value changes. Constants and process/session values (environment, config files,
 * attributes set once, per-user data) never appear here: they are stable for caching. `request`:
 * different on every call (clocks, randomness, user input, request bodies, retrieval results, loop
 * variables, a parameter whose callers pass one of these). `day`: a date at day resolution.
 */
export type Stability = 'request' | 'day';

/** A step a value took on its way into a prompt (a helper's return, a call-site argument). */
export interface Hop extends Span {
  message: string;
}

/** Content that changes between requests, found in a value: where it is made and how it got there. */
export interface Dynamic extends Span {
  reason: string;
  stability: Stability;
  /** The steps from where the value is made to where the prompt uses it, in that order. */
  via: Hop[];
}

/** A part whose stability is unknown (a parameter or import with no evidence either way). */
export interface Unknown extends Span {
  name: string;
  /** True for a function parameter (its role in the request can decide). */
  parameter: boolean;
}

/** Serialization whose bytes may differ between runs (BL006). */
export interface Unstable extends Span {
  kind: 'json' | 'set' | 'keys';
  call?: Extract<Expr, { kind: 'call' }>;
}

/** What is statically known about a value rendered as text. */
export interface TextValue {
  /** The text, with `{…}` where a part is only known at run time. */
  text: string;
  dynamic: Dynamic[];
  unstable: Unstable[];
  /** False when some part's size is unknown (an import, an opaque call), so token counts are a floor. */
  complete: boolean;
  /** Parts of unknown stability, listed so a rule can judge them by their role. */
  unknown?: Unknown[];
}

export const PLACEHOLDER = '{…}';

/**
 * Builds the module's name tables. `beforeRead`, when given, is called with a statement before
 * anything it binds is read (the session uses it to apply offset shifts it deferred). `visit`,
 * when given, is called with each statement in order once its names are in, while what it holds
 * was just read (a caller's own look at every statement costs less here than in a second pass).
 */
export function buildEnv(facts: StatementFacts[], beforeRead?: (facts: StatementFacts) => void, visit?: (facts: StatementFacts) => void): ModuleEnv {
  const env: ModuleEnv = { bindings: new NameTable(), classBindings: new NameTable(), functions: new NameTable(), callers: new NameTable() };
  const owners = beforeRead ? new Map<object, StatementFacts>() : undefined;
  // Indexed loops: this runs once per analysis over every statement, often before the optimizing
  // compiler has seen it, where each for-of step allocates an iterator result.
  for (let index = 0; index < facts.length; index++) {
    const statement = facts[index];
    const { calls, bindings, functions } = statement;
    for (let at = 0; at < calls.length; at++) {
      const call = calls[at];
      const list = env.callers.peek(call.name);
      if (list) list.push(call);
      else env.callers.set(call.name, [call]);
      owners?.set(call, statement);
    }
    for (let at = 0; at < bindings.length; at++) {
      const binding = bindings[at];
      const table = binding.className ? env.classBindings : env.bindings;
      const list = table.peek(binding.name);
      if (list) list.push(binding);
      else table.set(binding.name, [binding]);
      owners?.set(binding, statement);
    }
    for (let at = 0; at < functions.length; at++) {
      const fn = functions[at];
      if (env.functions.peek(fn.name) === undefined) env.functions.set(fn.name, fn);
      owners?.set(fn, statement);
    }
    visit?.(statement);
  }
  if (owners && beforeRead) {
    const readList = (list: Binding[]): void => {
      for (const binding of list) {
        const owner = owners.get(binding);
        if (owner) beforeRead(owner);
      }
    };
    env.bindings.onRead = readList;
    env.classBindings.onRead = readList;
    env.functions.onRead = (scope) => {
      const owner = owners.get(scope);
      if (owner) beforeRead(owner);
    };
    env.callers.onRead = (list) => {
      for (const call of list) {
        const owner = owners.get(call);
        if (owner) beforeRead(owner);
      }
    };
  }
  return env;
}

/**
 * Keeps a ModuleEnv up to date while top-level statements come and go: an edit rebuilds only the
 * names the removed and added statements bind. A rebuilt name gets a new list, and an unchanged
 * name keeps its list object, so recorded dependencies on it still hold.
 */
export class ModuleEnvIndex {
  readonly env: ModuleEnv = { bindings: new NameTable(), classBindings: new NameTable(), functions: new NameTable(), callers: new NameTable() };
  /** The statements binding each name (as a binding or a function). */
  private readonly binders = new Map<string, StatementFacts[]>();
  /** The statements calling each name. */
  private readonly callBinders = new Map<string, StatementFacts[]>();

  /**
   * `beforeRead` is called with a statement before anything it binds is read (see buildEnv): with
   * every statement binding (or calling) the name read, which covers the owners of what is read
   * without a table from each binding to its statement.
   */
  constructor(beforeRead: (facts: StatementFacts) => void) {
    const readBinders = (_value: unknown, name: string): void => {
      const statements = this.binders.get(name);
      if (statements) for (const statement of statements) beforeRead(statement);
    };
    this.env.bindings.onRead = readBinders;
    this.env.classBindings.onRead = readBinders;
    // A method name can be bound in many classes: only the statement defining the function read.
    this.env.functions.onRead = (scope, name) => {
      const statements = this.binders.get(name);
      if (!statements) return;
      for (const statement of statements) {
        if (!statement.functions.includes(scope)) continue;
        beforeRead(statement);
        return;
      }
    };
    this.env.callers.onRead = (_list, name) => {
      const statements = this.callBinders.get(name);
      if (statements) for (const statement of statements) beforeRead(statement);
    };
  }

  /** Takes `removed` statements out and `added` ones in (their offsets must be current). */
  update(removed: Iterable<StatementFacts>, added: Iterable<StatementFacts>): void {
    if (this.binders.size === 0 && this.callBinders.size === 0 && Array.isArray(removed) && removed.length === 0 && Array.isArray(added) && inSourceOrder(added)) {
      this.fill(added);
      return;
    }
    const touched = new Set<string>();
    const touchedCalls = new Set<string>();
    for (const statement of removed) {
      for (const call of statement.calls) {
        removeBinder(this.callBinders.get(call.name), statement);
        touchedCalls.add(call.name);
      }
      for (const item of [...statement.bindings, ...statement.functions]) {
        removeBinder(this.binders.get(item.name), statement);
        touched.add(item.name);
      }
    }
    for (const statement of added) {
      for (const call of statement.calls) {
        addBinder(this.callBinders, call.name, statement);
        touchedCalls.add(call.name);
      }
      for (const item of [...statement.bindings, ...statement.functions]) {
        addBinder(this.binders, item.name, statement);
        touched.add(item.name);
      }
    }
    for (const name of touched) this.rebuild(name);
    for (const name of touchedCalls) this.rebuildCalls(name);
  }

  /**
   * The first update of an empty index (a whole file, statements in source order): the lists come
   * out as `rebuild` would make them, appended in one pass instead of sorted and filtered per name.
   */
  private fill(statements: readonly StatementFacts[]): void {
    const env = this.env;
    for (const statement of statements) {
      for (const call of statement.calls) {
        addBinder(this.callBinders, call.name, statement);
        const list = env.callers.peek(call.name);
        if (list) list.push(call);
        else env.callers.set(call.name, [call]);
      }
      for (const binding of statement.bindings) {
        addBinder(this.binders, binding.name, statement);
        const table = binding.className ? env.classBindings : env.bindings;
        const list = table.peek(binding.name);
        if (list) list.push(binding);
        else table.set(binding.name, [binding]);
      }
      for (const fn of statement.functions) {
        addBinder(this.binders, fn.name, statement);
        if (env.functions.peek(fn.name) === undefined) env.functions.set(fn.name, fn);
      }
    }
  }

  /** Lists the calls of `name` in statement order, as buildEnv does. */
  private rebuildCalls(name: string): void {
    const statements = [...(this.callBinders.get(name) ?? [])].sort(byStart);
    if (statements.length === 0) this.callBinders.delete(name);
    const calls: CallRef[] = [];
    for (const statement of statements) for (const call of statement.calls) if (call.name === name) calls.push(call);
    setOrDelete(this.env.callers, name, calls.length > 0 ? calls : undefined);
  }

  /** Lists `name`'s bindings in statement order, as buildEnv does, and picks its first function. */
  private rebuild(name: string): void {
    const statements = [...(this.binders.get(name) ?? [])].sort(byStart);
    if (statements.length === 0) this.binders.delete(name);
    const moduleLevel: Binding[] = [];
    const classLevel: Binding[] = [];
    let fn: Scope | undefined;
    for (const statement of statements) {
      for (const binding of statement.bindings) if (binding.name === name) (binding.className ? classLevel : moduleLevel).push(binding);
      fn ??= statement.functions.find((candidate) => candidate.name === name);
    }
    setOrDelete(this.env.bindings, name, moduleLevel.length > 0 ? moduleLevel : undefined);
    setOrDelete(this.env.classBindings, name, classLevel.length > 0 ? classLevel : undefined);
    setOrDelete(this.env.functions, name, fn);
  }
}

/**
 * Notes that `statement` binds (or calls) `name`. Lists, not sets: a statement's items are added
 * together, so a repeat can only be the last one added.
 */
function addBinder(binders: Map<string, StatementFacts[]>, name: string, statement: StatementFacts): void {
  const list = binders.get(name);
  if (!list) binders.set(name, [statement]);
  else if (list[list.length - 1] !== statement) list.push(statement);
}

function removeBinder(list: StatementFacts[] | undefined, statement: StatementFacts): void {
  const index = list ? list.indexOf(statement) : -1;
  if (index >= 0) (list as StatementFacts[]).splice(index, 1);
}

function byStart(a: StatementFacts, b: StatementFacts): number {
  return a.start - b.start;
}

function inSourceOrder(statements: readonly StatementFacts[]): boolean {
  for (let index = 1; index < statements.length; index++) if (statements[index - 1].start > statements[index].start) return false;
  return true;
}

function setOrDelete<V>(table: NameTable<V>, name: string, value: V | undefined): void {
  if (value === undefined) table.delete(name);
  else table.set(name, value);
}

interface Found {
  binding: Binding;
  /** The function scope that binds it; undefined for module and class bindings. */
  scope: Scope | undefined;
}

/** The binding of `name` visible at offset `at` in `scope`: innermost function first, then the module. */
export function lookup(env: ModuleEnv, name: string, scope: Scope | undefined, at: number): Found | undefined {
  for (let current = scope; current && current.name !== '<module>'; current = current.parent) {
    const binding = latest(current.bindings, name, at);
    if (binding) return { binding, scope: current };
  }
  const moduleBindings = env.bindings.get(name);
  if (moduleBindings) {
    const binding = latest(moduleBindings, name, at);
    if (binding) return { binding, scope: undefined };
  }
  return undefined;
}

function latest(bindings: Binding[], name: string, at: number): Binding | undefined {
  let best: Binding | undefined;
  let fallback: Binding | undefined;
  for (const binding of bindings) {
    if (binding.name !== name || binding.kind === 'append' || binding.kind === 'augment' || binding.kind === 'set') continue;
    fallback = binding;
    if (binding.at <= at && (!best || binding.at >= best.at)) best = binding;
  }
  return best ?? fallback;
}

/** Appends made to list `name` in `scope` (or at module level) before offset `at`. */
export function appendsTo(env: ModuleEnv, name: string, scope: Scope | undefined, after: number, at: number): Binding[] {
  const source = scope ? scope.bindings : env.bindings.get(name) ?? [];
  return source.filter((binding) => binding.name === name && binding.kind === 'append' && binding.at > after && binding.at <= at);
}

/** Clock calls that only resolve to the day (`date.today()`, `toDateString()`). */
const DAY_CLOCK = /(^|\.)(today|toDateString|toLocaleDateString)$/;
/** Methods that turn a clock reading into a date without the time. */
const DATE_ONLY = /^(date|toDateString|toLocaleDateString)$/;
/** Members that hold the body of the request being served. */
const REQUEST_BODY = /^(request|req|event|ctx\.request)\.(json|body|form|data|args|query|params|values|get_json)\b/;
const CLOCK = /(^|\.)(now|utcnow|today|time|time_ns|perf_counter|monotonic|getTime|toISOString|toLocaleString|toLocaleDateString|toLocaleTimeString)$|^(new )?Date$|^Date\.now$/;
const RANDOM = /(^|\.)(uuid\d?|uuid4|uuid1|randomUUID|random|randint|choice|shuffle|token_hex|token_urlsafe|nanoid|getRandomValues|randn|sample)$|^(uuid|random|secrets|crypto)\./i;
const USER_INPUT = /(^|\.)(input|raw_input|readline|question|prompt|getpass)$|^sys\.stdin|\.stdin\./;
const RETRIEVAL = /(retriev|search|query|get_context|getContext|get_relevant|similar|rerank|vector)/i;
const PASS_THROUGH = new Set(['strip', 'lstrip', 'rstrip', 'upper', 'lower', 'title', 'capitalize', 'replace', 'trim', 'trimStart', 'trimEnd', 'toUpperCase', 'toLowerCase', 'replaceAll', 'concat', 'format_map', 'expandtabs', 'normalize', 'padStart', 'padEnd', 'repeat']);
const WRAPPERS = new Set(['str', 'String', 'dedent', 'textwrap.dedent', 'inspect.cleandoc', 'cleandoc', 'trim', 'outdent', 'stripIndent']);

const EMPTY: TextValue = { text: '', dynamic: [], unstable: [], complete: true };

/**
 * The lists of a value with no per-request part or no unstable serialization (most leaves). A
 * rendered value's lists are never changed once returned (merge and the other builders copy or
 * start fresh ones): these are shared, and frozen so that a change would fail loudly.
 */
const NO_DYNAMIC = emptyList<Dynamic>();
const NO_UNSTABLE = emptyList<Unstable>();

/** Renders a value as text, following names within the file; see TextValue. */
export function stringify(loc: Located, env: ModuleEnv, guard?: Guard, depth = 0): TextValue {
  if (depth > 60) return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable: NO_UNSTABLE, complete: false };
  const { expr, scope } = loc;
  // Inner values render one level deeper (calls written out rather than through a closure: this runs per value).
  const inner = depth + 1;
  switch (expr.kind) {
    case 'str': {
      const out: TextValue = { text: '', dynamic: [], unstable: [], complete: true };
      for (const part of expr.parts) {
        if ('text' in part) out.text += part.text;
        else merge(out, stringify({ expr: part.expr, scope }, env, guard, inner));
      }
      return out;
    }
    case 'num':
    case 'bool':
    case 'null':
      return { text: '0', dynamic: NO_DYNAMIC, unstable: NO_UNSTABLE, complete: true };
    case 'concat':
      return merge(merge({ ...EMPTY, dynamic: [], unstable: [] }, stringify({ expr: expr.left, scope }, env, guard, inner)), stringify({ expr: expr.right, scope }, env, guard, inner));
    case 'choice': {
      const options = expr.options.map((option) => stringify({ expr: option, scope }, env, guard, inner));
      const out = { ...options[0] };
      for (const option of options.slice(1)) {
        out.dynamic = [...out.dynamic, ...option.dynamic];
        out.unstable = [...out.unstable, ...option.unstable];
        out.complete &&= option.complete;
        if (option.unknown) out.unknown = [...(out.unknown ?? []), ...option.unknown];
      }
      return out;
    }
    case 'list': {
      const out: TextValue = { text: '', dynamic: [], unstable: [], complete: !expr.open };
      for (const item of expr.items) merge(out, stringify({ expr: item, scope }, env, guard, inner), '\n');
      return out;
    }
    case 'dict': {
      const out: TextValue = { text: '', dynamic: [], unstable: [], complete: !expr.open };
      for (const entry of expr.entries) {
        if (entry.key === 'cache_control') continue;
        merge(out, stringify({ expr: entry.value, scope }, env, guard, inner), entry.key ? ` ${entry.key}: ` : ' ');
      }
      return out;
    }
    case 'spread':
      return stringify({ expr: expr.value, scope }, env, guard, inner);
    case 'comp': {
      const iter = stringify({ expr: expr.iter, scope }, env, guard, inner);
      const body = stringify({ expr: expr.body, scope }, env, guard, inner);
      const out: TextValue = { text: body.text, dynamic: [...iter.dynamic, ...body.dynamic.filter((d) => !isLoopVarReason(d, expr.vars))], unstable: [...iter.unstable, ...body.unstable], complete: false };
      if (iterIsSet(expr.iter, scope, env) && iter.dynamic.length === 0) out.unstable.push({ kind: 'set', start: expr.iter.start, end: expr.iter.end });
      if (iter.dynamic.length === 0 && body.dynamic.length > 0 && out.dynamic.length === 0) out.complete = false;
      return out;
    }
    case 'ref':
      return ref(expr, scope, env, guard, depth);
    case 'member':
    case 'index':
      return member(expr, scope, env, guard, depth);
    case 'call':
      return callText(expr, scope, env, guard, depth);
    case 'func':
    case 'opaque':
      return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable: NO_UNSTABLE, complete: false };
  }
}

function isLoopVarReason(dynamic: Dynamic, vars: string[]): boolean {
  return vars.some((name) => dynamic.reason === loopReason(name));
}

function loopReason(name: string): string {
  return `the loop variable \`${name}\``;
}

function merge(into: TextValue, part: TextValue, separator = ''): TextValue {
  into.text += (into.text && separator ? separator : '') + (part.dynamic.length > 0 && part.text === '' ? PLACEHOLDER : part.text);
  // Most parts have neither: a spread call costs even for an empty list.
  if (part.dynamic.length > 0) into.dynamic.push(...part.dynamic);
  if (part.unstable.length > 0) into.unstable.push(...part.unstable);
  into.complete &&= part.complete;
  if (part.unknown && part.unknown.length > 0) into.unknown = [...(into.unknown ?? []), ...part.unknown];
  return into;
}

/** Module and class constants are computed once per process: stable, whatever they are built from. */
function stable(value: TextValue): TextValue {
  return { text: value.text, dynamic: NO_DYNAMIC, unstable: value.unstable, complete: value.complete };
}

function ref(expr: Extract<Expr, { kind: 'ref' }>, scope: Scope | undefined, env: ModuleEnv, guard: Guard | undefined, depth: number): TextValue {
  const found = lookup(env, expr.name, scope, expr.start);
  if (!found) return unknownAt(expr, expr.name, false);
  const { binding } = found;
  if (guard?.has(binding)) return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable: NO_UNSTABLE, complete: false };
  switch (binding.kind) {
    case 'param':
      return parameter(expr, found.scope, env, guard, depth);
    case 'loop-var':
      return dynamicAt(expr, loopReason(expr.name));
    case 'function':
      return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable: NO_UNSTABLE, complete: false };
    default:
      break;
  }
  if (!binding.value) return unknownAt(expr, expr.name, false);
  guard ??= new Guard();
  guard.add(binding);
  try {
    let value = stringify({ expr: binding.value, scope: found.scope }, env, guard, depth + 1);
    if (found.scope) {
      for (const extra of augmentsOf(found.scope, expr.name, binding.at, expr.start)) {
        value = merge({ ...value, dynamic: [...value.dynamic], unstable: [...value.unstable], unknown: [...(value.unknown ?? [])] }, stringify({ expr: extra, scope: found.scope }, env, guard, depth + 1));
      }
    }
    if (!found.scope) return stable(value);
    // A local variable carrying a per-request value: its use in the prompt is a step on the way.
    if (value.dynamic.some((dynamic) => dynamic.start < expr.start || dynamic.start > expr.end)) {
      const hop: Hop = { start: expr.start, end: expr.end, message: `used here as \`${expr.name}\`` };
      return { ...value, dynamic: value.dynamic.map((dynamic) => (dynamic.start >= expr.start && dynamic.end <= expr.end ? dynamic : { ...dynamic, via: [...dynamic.via, hop] })) };
    }
    return value;
  } finally {
    guard.delete(binding);
  }
}

/** Parameters named for the stable part of a request: an adapter's system prompt, tools, instructions. */
const STABLE_ROLE = /^(system|system_?prompt|system_?message|sys_?prompt|instructions?|persona|preamble|tools|tool_?defs|tool_?definitions|schema|examples|few_?shots?|guidelines|policy|rules|base_?prompt|prompt_?template|template)$/i;

/**
 * A parameter is unknown until evidence says otherwise: what its callers in this file or in files
 * importing it pass (a clock, user input, a loop variable: per-request, with the caller's
 * expression as the evidence), else its name's role (a `system_prompt` parameter is the stable
 * part of every request).
 */
function parameter(expr: Extract<Expr, { kind: 'ref' }>, fn: Scope | undefined, env: ModuleEnv, guard: Guard | undefined, depth: number): TextValue {
  // The parameter list stands for "following this function's parameters" (the scope itself guards its returns).
  if (!fn || guard?.has(fn.params) || depth > 40) return unknownParameter(expr);
  const position = fn.params.indexOf(expr.name);
  const calls = fn.name.startsWith('<') ? undefined : env.callers.get(fn.name);
  if (position < 0) return unknownParameter(expr);
  // Callers in this file: what they pass (no guard needed when there are none).
  if (calls && calls.length > 0) {
    guard ??= new Guard();
    guard.add(fn.params);
    try {
      for (const ref of calls) {
        if (ref.scope === fn) continue;
        const keyword = ref.call.kwargs.find((kwarg) => kwarg.name === expr.name);
        const positional = ref.call.args[position];
        const argument = keyword?.value ?? (positional && positional.kind !== 'spread' ? positional : undefined);
        if (!argument) continue;
        const passed = stringify({ expr: argument, scope: ref.scope.name === '<module>' ? undefined : ref.scope }, env, guard, depth + 1);
        const perRequest = passed.dynamic.find((dynamic) => dynamic.stability === 'request') ?? passed.dynamic[0];
        if (perRequest) {
          // The parameter's use is what has to move out of the prompt; the caller's argument is the evidence.
          const evidence: Hop = { start: perRequest.start, end: perRequest.end, message: `${perRequest.reason}, passed to \`${fn.name}\` as \`${expr.name}\`` };
          const dynamic: Dynamic = { start: expr.start, end: expr.end, reason: `the parameter \`${expr.name}\`, which a caller passes ${perRequest.reason}`, stability: perRequest.stability, via: [evidence, ...perRequest.via] };
          return { text: PLACEHOLDER, dynamic: [dynamic], unstable: NO_UNSTABLE, complete: passed.complete };
        }
      }
    } finally {
      guard.delete(fn.params);
    }
  }
  // A top-level function's callers in other files (through the workspace's imports).
  const external = topLevel(fn) ? env.external?.argument(fn.name, expr.name, position) : undefined;
  if (external) {
    const dynamic: Dynamic = { start: expr.start, end: expr.end, reason: `the parameter \`${expr.name}\`, which a caller in ${external.where} passes ${external.reason}`, stability: external.stability, via: [] };
    return { text: PLACEHOLDER, dynamic: [dynamic], unstable: NO_UNSTABLE, complete: external.complete };
  }
  return unknownParameter(expr);
}

/** A parameter with no evidence: named for the stable part of a request, it is stable unless a caller shows otherwise; else unknown. */
function unknownParameter(expr: Extract<Expr, { kind: 'ref' }>): TextValue {
  return STABLE_ROLE.test(expr.name) ? { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable: NO_UNSTABLE, complete: false } : unknownAt(expr, expr.name, true);
}

function topLevel(fn: Scope): boolean {
  return !fn.name.startsWith('<') && (!fn.parent || fn.parent.name === '<module>');
}

function augmentsOf(scope: Scope, name: string, after: number, before: number): Expr[] {
  return scope.bindings.filter((b) => b.name === name && b.kind === 'augment' && b.at > after && b.at < before && b.value).map((b) => b.value as Expr);
}

function dynamicAt(span: Span, reason: string, stability: Stability = 'request'): TextValue {
  return { text: PLACEHOLDER, dynamic: [{ start: span.start, end: span.end, reason, stability, via: [] }], unstable: NO_UNSTABLE, complete: true };
}

/** The same change as `inner`, now seen as the whole expression `span` (a method call or format around it). */
function wrapAt(span: Span, inner: Dynamic, reason = inner.reason): TextValue {
  return { text: PLACEHOLDER, dynamic: [{ start: span.start, end: span.end, reason, stability: inner.stability, via: inner.via }], unstable: NO_UNSTABLE, complete: true };
}

function unknownAt(span: Span, name: string, parameter: boolean): TextValue {
  return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable: NO_UNSTABLE, complete: false, unknown: [{ start: span.start, end: span.end, name, parameter }] };
}

/** The change to report for a value: per-request first, then day-resolution. */
export function firstDynamic(dynamics: Dynamic[]): Dynamic | undefined {
  return dynamics.find((dynamic) => dynamic.stability === 'request') ?? dynamics[0];
}

const CONSTRUCTORS = new Set(['__init__', 'constructor']);

function member(expr: Extract<Expr, { kind: 'member' | 'index' }>, scope: Scope | undefined, env: ModuleEnv, guard: Guard | undefined, depth: number): TextValue {
  if (expr.kind === 'member' && expr.object.kind === 'ref' && (expr.object.name === 'self' || expr.object.name === 'this' || expr.object.name === 'cls')) {
    // Set in the method that uses it (not the constructor): assigned on every call, so it is as stable as the value assigned.
    const perCall = lookup(env, `self.${expr.property}`, scope, expr.start);
    if (perCall?.scope && !CONSTRUCTORS.has(perCall.scope.name) && perCall.binding.value && perCall.binding.at < expr.start && !guard?.has(perCall.binding)) {
      guard ??= new Guard();
      guard.add(perCall.binding);
      try {
        return stringify({ expr: perCall.binding.value, scope: perCall.scope }, env, guard, depth + 1);
      } finally {
        guard.delete(perCall.binding);
      }
    }
    // Otherwise a class attribute or one set once (in `__init__`): process-stable, never per-request.
    const classBinding = env.classBindings.get(expr.property)?.[0] ?? env.bindings.get(`self.${expr.property}`)?.[0];
    if (classBinding?.value && !guard?.has(classBinding)) {
      guard ??= new Guard();
      guard.add(classBinding);
      try {
        return stable(stringify({ expr: classBinding.value, scope: undefined }, env, guard, depth + 1));
      } finally {
        guard.delete(classBinding);
      }
    }
    return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable: NO_UNSTABLE, complete: false };
  }
  if (expr.kind === 'member' && expr.object.kind === 'ref' && env.classBindings.has(expr.property) && /^[A-Z]/.test(expr.object.name)) {
    const classBinding = env.classBindings.get(expr.property)?.[0];
    if (classBinding?.value) return stable(stringify({ expr: classBinding.value, scope: undefined }, env, guard, depth + 1));
  }
  const object = stringify({ expr: expr.object, scope }, env, guard, depth + 1);
  const index = expr.kind === 'index' ? stringify({ expr: expr.index, scope }, env, guard, depth + 1) : undefined;
  const reasons = [...object.dynamic, ...(index?.dynamic ?? [])];
  const first = firstDynamic(reasons);
  if (first) return wrapAt(expr, first, `\`${label(expr)}\`, from ${first.reason}`);
  if (expr.kind === 'member' && REQUEST_BODY.test(label(expr))) return dynamicAt(expr, `the request body (\`${label(expr)}\`)`);
  return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable: [...object.unstable, ...(index?.unstable ?? [])], complete: false, unknown: [...(object.unknown ?? []), ...(index?.unknown ?? [])] };
}

/** A short source-like name for a value, for messages. */
function label(expr: Expr): string {
  switch (expr.kind) {
    case 'ref':
      return expr.name;
    case 'member':
      return `${label(expr.object)}.${expr.property}`;
    case 'index':
      return `${label(expr.object)}[…]`;
    case 'call':
      if (expr.isNew) return `new ${expr.callee}()`;
      return `${expr.callee.includes('<') && expr.calleeExpr.kind === 'member' ? `${label(expr.calleeExpr.object)}.${expr.calleeExpr.property}` : expr.callee}()`;
    default:
      return '…';
  }
}

/** The function a call invokes when it is defined in this file (a top-level helper or a local function). */
export function helperOf(call: Extract<Expr, { kind: 'call' }>, scope: Scope | undefined, env: ModuleEnv): Scope | undefined {
  if (call.calleeExpr.kind === 'ref') {
    const found = lookup(env, call.calleeExpr.name, scope, call.start);
    if (found?.binding.kind === 'function' && found.binding.value?.kind === 'func') return found.binding.value.scope;
    if (found?.binding.value?.kind === 'func') return found.binding.value.scope;
    return found ? undefined : env.functions.get(call.calleeExpr.name);
  }
  if (call.calleeExpr.kind === 'member' && call.calleeExpr.object.kind === 'ref' && ['self', 'this', 'cls'].includes(call.calleeExpr.object.name)) {
    return env.functions.get(call.calleeExpr.property);
  }
  return undefined;
}

function callText(call: Extract<Expr, { kind: 'call' }>, scope: Scope | undefined, env: ModuleEnv, guard: Guard | undefined, depth: number): TextValue {
  const callee = call.isNew ? `new ${call.callee}` : call.callee;
  const method = call.callee.slice(call.callee.lastIndexOf('.') + 1);
  if (CLOCK.test(callee) && !/sleep/.test(callee)) return dynamicAt(call, `a clock reading (\`${label(call)}\`)`, DAY_CLOCK.test(callee) ? 'day' : 'request');
  if (RANDOM.test(call.callee)) return dynamicAt(call, `a random or unique value (\`${label(call)}\`)`);
  if (USER_INPUT.test(call.callee)) return dynamicAt(call, `user input (\`${label(call)}\`)`);
  if (call.callee === 'json.dumps' || call.callee === 'dumps' || call.callee === 'JSON.stringify') {
    const values = argumentTexts(call, scope, env, guard, depth);
    const first = firstDynamic(values.flatMap((value) => value.dynamic));
    if (first) return wrapAt(call, first);
    const unstable = values.flatMap((value) => value.unstable);
    const sorted = call.kwargs.some((kwarg) => kwarg.name === 'sort_keys' && kwarg.value.kind === 'bool');
    if (call.callee !== 'JSON.stringify' && !sorted) unstable.push({ kind: 'json', start: call.start, end: call.end, call });
    return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable, complete: false, unknown: values.flatMap((value) => value.unknown ?? []) };
  }
  if (call.calleeExpr.kind === 'member' && (method === 'keys' || method === 'values' || method === 'entries') && call.callee.startsWith('Object.') && call.args[0]) {
    const target = stringify({ expr: call.args[0], scope }, env, guard, depth + 1);
    const first = firstDynamic(target.dynamic);
    if (first) return wrapAt(call, first);
    const literal = resolveDict({ expr: call.args[0], scope }, env);
    const unstable = literal && !literal.open ? target.unstable : [...target.unstable, { kind: 'keys' as const, start: call.start, end: call.end }];
    return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable, complete: false, unknown: target.unknown };
  }
  if (call.calleeExpr.kind === 'member' && (method === 'join' || method === 'from') && (call.args[0] || method === 'join')) {
    // Python joins with `sep.join(items)`, JavaScript with `items.join(sep)`.
    const pythonStyle = method === 'join' && isStringish(call.calleeExpr.object);
    const itemsExpr = method === 'join' && !pythonStyle ? call.calleeExpr.object : call.args[0];
    const separator = method !== 'join' ? EMPTY : stringify({ expr: pythonStyle ? call.calleeExpr.object : call.args[0] ?? call.calleeExpr, scope }, env, guard, depth + 1);
    const items = stringify({ expr: itemsExpr, scope }, env, guard, depth + 1);
    const out: TextValue = { text: items.text.split('\n').join(call.args[0] || pythonStyle ? separator.text : ','), dynamic: items.dynamic, unstable: [...items.unstable], complete: items.complete, unknown: items.unknown };
    if (iterIsSet(itemsExpr, scope, env) && items.dynamic.length === 0) out.unstable.push({ kind: 'set', start: itemsExpr.start, end: itemsExpr.end });
    const first = firstDynamic(out.dynamic);
    if (first) return wrapAt(call, first);
    return out;
  }
  if (call.calleeExpr.kind === 'member' && method === 'strftime') {
    // The format decides the resolution: a date alone changes once a day.
    const object = stringify({ expr: call.calleeExpr.object, scope }, env, guard, depth + 1);
    const first = firstDynamic(object.dynamic);
    const format = call.args[0] ? staticString({ expr: call.args[0], scope }, env) : undefined;
    if (first && format !== undefined) return wrapAt(call, { ...first, stability: /%[HIMSfXcTRrpsz]/.test(format) ? first.stability : 'day' });
    if (first) return wrapAt(call, first);
  }
  if (call.calleeExpr.kind === 'member' && DATE_ONLY.test(method)) {
    const object = stringify({ expr: call.calleeExpr.object, scope }, env, guard, depth + 1);
    const first = firstDynamic(object.dynamic);
    if (first) return wrapAt(call, { ...first, stability: 'day' });
  }
  if (call.calleeExpr.kind === 'member' && (method === 'format' || PASS_THROUGH.has(method))) {
    const object = stringify({ expr: call.calleeExpr.object, scope }, env, guard, depth + 1);
    const out: TextValue = { text: object.text, dynamic: [...object.dynamic], unstable: [...object.unstable], complete: object.complete, unknown: object.unknown };
    for (const value of argumentTexts(call, scope, env, guard, depth)) {
      out.dynamic.push(...value.dynamic);
      out.unstable.push(...value.unstable);
      out.complete &&= value.complete;
      if (value.unknown) out.unknown = [...(out.unknown ?? []), ...value.unknown];
    }
    const first = firstDynamic(object.dynamic);
    if (method !== 'format' && first) return wrapAt(call, first);
    // `"…".repeat(n)`: n copies whose count is not kept, so the size is only a floor.
    if (method === 'repeat') out.complete = false;
    return out;
  }
  if (WRAPPERS.has(call.callee) && call.args[0]) return stringify({ expr: call.args[0], scope }, env, guard, depth + 1);
  if (scope && scope.name !== '<module>' && RETRIEVAL.test(method)) return dynamicAt(call, `retrieved content (\`${call.callee}()\`)`);
  if (REQUEST_BODY.test(label(call))) return dynamicAt(call, `the request body (\`${label(call)}\`)`);
  if (call.calleeExpr.kind === 'member') {
    const object = stringify({ expr: call.calleeExpr.object, scope }, env, guard, depth + 1);
    const first = firstDynamic(object.dynamic);
    if (first) return wrapAt(call, first, `\`${label(call)}\`, from ${first.reason}`);
  }
  const helper = helperOf(call, scope, env);
  if (helper && helper.returns.length > 0 && !guard?.has(helper)) {
    guard ??= new Guard();
    guard.add(helper);
    try {
      const value = stringify({ expr: helper.returns[helper.returns.length - 1], scope: helper }, env, guard, depth + 1);
      const first = firstDynamic(value.dynamic);
      if (first) {
        // Report where the value is made (inside the helper); the call is a step on its way.
        const hop: Hop = { start: call.start, end: call.end, message: `returned by \`${label(call)}\`` };
        return { ...value, dynamic: value.dynamic.map((dynamic) => ({ ...dynamic, via: [...dynamic.via, hop] })) };
      }
      const argFirst = firstDynamic(argumentTexts(call, scope, env, guard, depth).flatMap((arg) => arg.dynamic));
      // A helper's parameters are followed through its call sites; an argument that is per-request but
      // never reaches the returned text (it was a key or a flag) does not make the result per-request.
      if (argFirst && value.complete === false && value.unknown?.some((part) => part.parameter)) return wrapAt(call, argFirst);
      return value;
    } finally {
      guard.delete(helper);
    }
  }
  // A helper imported from another workspace file: what it returns, read there.
  const imported = helper ? undefined : env.external?.returned(call.callee);
  if (imported) return { ...dynamicAt(call, `what \`${label(call)}\` returns, ${imported.reason} in ${imported.where}`, imported.stability), complete: imported.complete };
  const values = argumentTexts(call, scope, env, guard, depth);
  const argFirst = firstDynamic(values.flatMap((arg) => arg.dynamic));
  if (argFirst) return wrapAt(call, argFirst);
  return { text: PLACEHOLDER, dynamic: NO_DYNAMIC, unstable: NO_UNSTABLE, complete: false, unknown: values.flatMap((value) => value.unknown ?? []) };
}

/** Each argument of a call rendered (positional, then keyword). */
function argumentTexts(call: Extract<Expr, { kind: 'call' }>, scope: Scope | undefined, env: ModuleEnv, guard: Guard | undefined, depth: number): TextValue[] {
  const out: TextValue[] = [];
  for (const arg of call.args) out.push(stringify({ expr: arg, scope }, env, guard, depth + 1));
  for (const kwarg of call.kwargs) out.push(stringify({ expr: kwarg.value, scope }, env, guard, depth + 1));
  return out;
}

function isStringish(expr: Expr): boolean {
  return expr.kind === 'str';
}

function iterIsSet(expr: Expr, scope: Scope | undefined, env: ModuleEnv, depth = 0): boolean {
  if (depth > 20) return false;
  if (expr.kind === 'list') return expr.isSet || expr.items.some((item) => item.kind === 'spread' && iterIsSet(item.value, scope, env, depth + 1));
  if (expr.kind === 'call') return ['set', 'frozenset', 'new Set', 'Set'].includes(expr.isNew ? `new ${expr.callee}` : expr.callee);
  if (expr.kind === 'spread') return iterIsSet(expr.value, scope, env, depth + 1);
  if (expr.kind === 'ref') {
    const found = lookup(env, expr.name, scope, expr.start);
    return found?.binding.value ? iterIsSet(found.binding.value, found.scope, env, depth + 1) : false;
  }
  return false;
}

/** A list value with its items, following names, appends and helper returns within the file. */
export interface ResolvedList {
  items: Located[];
  /** The list literal the items come from, when there is exactly one (fixes edit it). */
  literal?: Extract<Expr, { kind: 'list' }>;
  /** True when the list has parts not known statically (spread history, comprehension, appends in a loop). */
  open: boolean;
  /** True when items come from a comprehension: one written item stands for many. */
  perItem: boolean;
  /** True when items were appended to a list variable (a conversation history grows this way). */
  appended?: boolean;
}

export function resolveList(loc: Located, env: ModuleEnv, guard?: Guard, depth = 0): ResolvedList | undefined {
  if (depth > 30) return undefined;
  const { expr, scope } = loc;
  switch (expr.kind) {
    case 'list': {
      // A list without spreads (not `open`) has one item per element: made at its size (a list grown by push reserves far more).
      if (!expr.open) return { items: expr.items.map((item) => ({ expr: item, scope })), literal: expr, open: false, perItem: false };
      const items: Located[] = [];
      let open = false;
      for (const item of expr.items) {
        if (item.kind === 'spread') {
          const inner = resolveList({ expr: item.value, scope }, env, guard, depth + 1);
          if (inner) {
            items.push(...inner.items);
            open ||= inner.open;
          } else open = true;
        } else items.push({ expr: item, scope });
      }
      return { items, literal: expr, open, perItem: false };
    }
    case 'comp':
      return { items: [{ expr: expr.body, scope }], open: true, perItem: true };
    case 'concat': {
      const left = resolveList({ expr: expr.left, scope }, env, guard, depth + 1);
      const right = resolveList({ expr: expr.right, scope }, env, guard, depth + 1);
      if (!left && !right) return undefined;
      return { items: [...(left?.items ?? []), ...(right?.items ?? [])], open: !left || !right || left.open || right.open, perItem: false };
    }
    case 'choice': {
      for (const option of expr.options) {
        const resolved = resolveList({ expr: option, scope }, env, guard, depth + 1);
        if (resolved) return resolved;
      }
      return undefined;
    }
    case 'ref': {
      const found = lookup(env, expr.name, scope, expr.start);
      if (!found?.binding.value || guard?.has(found.binding)) return undefined;
      guard ??= new Guard();
      guard.add(found.binding);
      try {
        const base = resolveList({ expr: found.binding.value, scope: found.scope }, env, guard, depth + 1);
        if (!base) return undefined;
        const appends = appendsTo(env, expr.name, found.scope, found.binding.at, expr.start);
        const items = [...base.items];
        let open = base.open;
        for (const append of appends) {
          if (!append.value) continue;
          if (append.value.kind === 'spread') {
            const inner = resolveList({ expr: append.value.value, scope: found.scope }, env, guard, depth + 1);
            if (inner) items.push(...inner.items);
            open = true;
          } else items.push({ expr: append.value, scope: found.scope });
        }
        const appendedInLoop = appends.length > 0 && found.scope !== undefined && appends.some((append) => found.scope!.bindings.some((b) => b.kind === 'loop-var' && b.at < append.at && b.end > append.at));
        // `blocks[-1]["cache_control"] = …` after the list is built marks that item.
        for (const set of setsOf(env, expr.name, found.scope, found.binding.at, expr.start)) {
          const [index, key, ...rest] = set.path as (string | number)[];
          if (typeof index !== 'number' || typeof key !== 'string' || rest.length > 0) continue;
          const position = index < 0 ? items.length + index : index;
          const item = items[position];
          if (!item || (index < 0 && open)) continue;
          items[position] = { ...item, sets: [...(item.sets ?? []), slotSet(set, key, found.scope)] };
        }
        return { items, literal: appends.length === 0 ? base.literal : undefined, open: open || appendedInLoop, perItem: base.perItem || appendedInLoop, appended: appends.length > 0 };
      } finally {
        guard.delete(found.binding);
      }
    }
    case 'call': {
      const callback = expr.args.find((arg) => arg.kind === 'func');
      if (/\.(map|flatMap)$/.test(expr.callee) && callback?.kind === 'func' && callback.scope.returns.length > 0) {
        return { items: [{ expr: callback.scope.returns[callback.scope.returns.length - 1], scope: callback.scope }], open: true, perItem: true };
      }
      if (COPIES.test(expr.callee) && expr.args[0]) return resolveList({ expr: expr.args[0], scope }, env, guard, depth + 1);
      const helper = helperOf(expr, scope, env);
      if (!helper || guard?.has(helper) || helper.returns.length === 0) return undefined;
      guard ??= new Guard();
      guard.add(helper);
      try {
        return resolveList({ expr: helper.returns[helper.returns.length - 1], scope: helper }, env, guard, depth + 1);
      } finally {
        guard.delete(helper);
      }
    }
    default:
      return undefined;
  }
}

/** A dict / object value with its entries, following names, spreads, `dict(...)`, `Request(...)` and helpers. */
export interface ResolvedDict {
  entries: Map<string, { entry: DictEntry; value: Located }>;
  literal?: Extract<Expr, { kind: 'dict' }>;
  open: boolean;
}

export function resolveDict(loc: Located, env: ModuleEnv, guard?: Guard, depth = 0): ResolvedDict | undefined {
  const resolved = resolveDictValue(loc, env, guard, depth);
  if (!resolved || !loc.sets || loc.sets.length === 0) return resolved;
  const entries = new Map(resolved.entries);
  for (const set of loc.sets) entries.set(set.key, { entry: set.entry, value: set.value });
  return { entries, literal: resolved.literal, open: resolved.open };
}

/** The arguments of the helper calls being resolved, by parameter (set and cleared around each one). */
const callArguments = new Map<Scope, Map<string, Located>>();

function argumentsByParameter(helper: Scope, call: Extract<Expr, { kind: 'call' }>, scope: Scope | undefined): Map<string, Located> {
  const out = new Map<string, Located>();
  helper.params.forEach((name, index) => {
    const keyword = call.kwargs.find((kwarg) => kwarg.name === name)?.value;
    const positional = call.args[index];
    const value = keyword ?? (positional && positional.kind !== 'spread' ? positional : undefined);
    if (value) out.set(name, { expr: value, scope });
  });
  return out;
}

/** Constructors whose keyword arguments are the fields of a request, message or block. */
const FIELD_CONSTRUCTORS = /^(dict|Request|MessageCreateParamsNonStreaming|MessageCreateParamsStreaming|MessageBatchRequest|CacheControlEphemeralParam|Beta\w*Param|\w*BlockParam|MessageParam|ToolParam|\w*ToolParam)$/;
/** Copies: the value is the argument's. */
const COPIES = /^(copy\.deepcopy|deepcopy|copy\.copy|structuredClone|dict|list|_\.cloneDeep|cloneDeep|JSON\.parse)$/;

function resolveDictValue(loc: Located, env: ModuleEnv, guard: Guard | undefined, depth: number): ResolvedDict | undefined {
  if (depth > 30) return undefined;
  const { expr, scope } = loc;
  switch (expr.kind) {
    case 'dict': {
      const entries = new Map<string, { entry: DictEntry; value: Located }>();
      let open = false;
      for (const entry of expr.entries) {
        if (entry.key !== undefined) entries.set(entry.key, { entry, value: { expr: entry.value, scope } });
        else if (entry.value.kind === 'spread') {
          const inner = resolveDict({ expr: entry.value.value, scope }, env, guard, depth + 1);
          if (inner) for (const [key, value] of inner.entries) if (!entries.has(key)) entries.set(key, value);
          open ||= !inner || inner.open;
        }
      }
      return { entries, literal: expr, open };
    }
    case 'ref': {
      const found = lookup(env, expr.name, scope, expr.start);
      // A helper's parameter, while resolving a call of it: the dict the call passes (`{ ...block, cache_control }`).
      const passed = found?.binding.kind === 'param' && found.scope ? callArguments.get(found.scope)?.get(expr.name) : undefined;
      if (passed && !guard?.has(passed)) {
        guard ??= new Guard();
        guard.add(passed);
        try {
          return resolveDict(passed, env, guard, depth + 1);
        } finally {
          guard.delete(passed);
        }
      }
      if (!found?.binding.value || guard?.has(found.binding)) return undefined;
      guard ??= new Guard();
      guard.add(found.binding);
      try {
        const base = resolveDict({ expr: found.binding.value, scope: found.scope }, env, guard, depth + 1);
        const sets = setsOf(env, expr.name, found.scope, found.binding.at, expr.start).filter((set) => set.path?.length === 1 && typeof set.path[0] === 'string');
        if (!base || sets.length === 0) return base;
        const entries = new Map(base.entries);
        for (const set of sets) entries.set(set.path?.[0] as string, { entry: slotSet(set, set.path?.[0] as string, found.scope).entry, value: { expr: set.value as Expr, scope: found.scope } });
        return { entries, literal: base.literal, open: base.open };
      } finally {
        guard.delete(found.binding);
      }
    }
    case 'choice':
      for (const option of expr.options) {
        const resolved = resolveDict({ expr: option, scope }, env, guard, depth + 1);
        if (resolved) return resolved;
      }
      return undefined;
    case 'call': {
      const name = expr.callee.slice(expr.callee.lastIndexOf('.') + 1);
      if (COPIES.test(expr.callee) && expr.args[0] && expr.kwargs.length === 0 && !(name === 'dict' && expr.args.length === 0)) return resolveDict({ expr: expr.args[0], scope }, env, guard, depth + 1);
      if (FIELD_CONSTRUCTORS.test(name)) {
        const entries = new Map<string, { entry: DictEntry; value: Located }>();
        for (const kwarg of expr.kwargs) entries.set(kwarg.name, { entry: { key: kwarg.name, start: kwarg.start, end: kwarg.end, value: kwarg.value }, value: { expr: kwarg.value, scope } });
        if (expr.args[0]) {
          const base = resolveDict({ expr: expr.args[0], scope }, env, guard, depth + 1);
          if (base) for (const [key, value] of base.entries) if (!entries.has(key)) entries.set(key, value);
        }
        return { entries, open: false };
      }
      const helper = helperOf(expr, scope, env);
      if (!helper || guard?.has(helper) || helper.returns.length === 0) return undefined;
      guard ??= new Guard();
      guard.add(helper);
      const previous = callArguments.get(helper);
      callArguments.set(helper, argumentsByParameter(helper, expr, scope));
      try {
        return resolveDict({ expr: helper.returns[helper.returns.length - 1], scope: helper }, env, guard, depth + 1);
      } finally {
        guard.delete(helper);
        if (previous) callArguments.set(helper, previous);
        else callArguments.delete(helper);
      }
    }
    default:
      return undefined;
  }
}

/** The string a value evaluates to when it is fully static (model ids, ttl values, roles). */
export function staticString(loc: Located, env: ModuleEnv): string | undefined {
  // A literal without interpolations (most model ids and roles): its text, as stringify would give it.
  const expr = loc.expr;
  if (expr.kind === 'str' && expr.parts.every((part) => 'text' in part)) {
    let text = '';
    for (const part of expr.parts) if ('text' in part) text += part.text;
    return text.includes(PLACEHOLDER) ? undefined : text;
  }
  const value = stringify(loc, env);
  if (value.dynamic.length > 0 || !value.complete || value.text.includes(PLACEHOLDER)) return undefined;
  return value.text;
}
