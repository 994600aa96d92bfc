import type { PromptConstant, PromptKind } from './types';
import type { Binding, Expr, Span, StatementFacts } from './ir';
import { PROMPT_NAME, discoverPrompts, isStringValue, promptFileOf, promptTextExpr, sentReferences } from './promptDiscovery';
import { decodeEscapes, nonProseReason } from './promptText';
import { type RequestModel, blockTexts } from './requests';
import { type ConstantText, Guard, type Located, type ModuleEnv, PLACEHOLDER, helperOf, lookup, stringify } from './resolve';
import { emptyList } from '../util/emptyList';

/** A prompt constant before offsets become lines and columns. */
export interface RawPrompt extends Omit<PromptConstant, 'range'> {
  span: Span;
  /** Not prose (markup, code, a query, a trivial word): listed only when a call is seen sending it. */
  onlyIfSent?: boolean;
  /** Set once a call is seen sending it. */
  sent?: boolean;
}

/** Multi-line string constants at least this long count as prompts whatever their name. */
const MULTILINE_PROMPT_CHARS = 200;
/** A prompt found by a weak sign (a field, an unnamed local) shorter than this is listed only when sent. */
const WEAK_PROMPT_CHARS = 40;

/**
 * What one statement's SDK calls say about prompts, in source order: constants they send (which
 * take the call's model and cache state) and inline strings. Kept per statement so an edit
 * elsewhere replays these instead of resolving the calls again.
 */
export type PromptUse =
  /** A module/class constant whose text ends up in a block (interpolated, via locals or helpers). */
  | { kind: 'constant'; binding: Binding; model?: string; cached: boolean; prose?: Omit<RawPrompt, 'span'> }
  /** A block that is exactly a module/class binding's string: the binding becomes a prompt if it is not one. */
  | { kind: 'direct'; binding: Binding; text: string; hasDynamicParts: boolean; worthPricing: boolean; model?: string; cached: boolean }
  /** A string written in place: part of a constant's declaration, else an inline SDK argument. */
  | { kind: 'inline'; start: number; end: number; model?: string; cached: boolean; argument?: RawPrompt }
  /** A whole request: its known input per call, placed on the call. */
  | { kind: 'call'; start: number; end: number; request: RawPrompt };

/**
 * A prompt a statement declares (span and call details are filled in later): a module/class
 * binding, whose span is the binding's; or a prompt found inside the statement (a function's
 * local or return value, a field), whose span is kept relative to the statement's start.
 */
export interface BindingPrompt {
  binding?: Binding;
  /** Not a declaration: a call of another LLM client in this statement sends the module binding. */
  sends?: boolean;
  facts?: StatementFacts;
  relative?: Span;
  prompt: Omit<RawPrompt, 'span'>;
}

/** The prompts a statement declares: its prompt-like constants and what discoverPrompts finds. */
export function bindingPromptsOf(facts: StatementFacts, env: ModuleEnv): BindingPrompt[] {
  // Made on the first prompt found (most statements declare none, and share the empty list).
  let out: BindingPrompt[] | undefined;
  // Made on the first prompt: most statements bind none.
  let modulePrompts: Set<Binding> | undefined;
  // Indexed loops: this runs for every statement of the file.
  const bindings = facts.bindings;
  for (let index = 0; index < bindings.length; index++) {
    const binding = bindings[index];
    if (binding.kind !== 'assign' || !binding.value) continue;
    const prompt = promptFromBinding(binding, env);
    if (prompt) {
      (out ??= []).push({ binding, prompt });
      (modulePrompts ??= new Set()).add(binding);
    }
  }
  // Module constants that other LLM clients' calls send (`generate_content(contents=[WRITER, text])`).
  const sent = sentReferences(facts);
  for (let index = 0; index < sent.length; index++) {
    const ref = sent[index];
    const found = lookup(env, ref.name, ref.scope, ref.at);
    if (!found || found.scope || found.binding.kind !== 'assign' || !found.binding.value || !isStringValue(found.binding.value)) continue;
    const text = constantText(found.binding.value, env).text;
    if (!hasStaticText(text)) continue;
    (out ??= []).push({ binding: found.binding, sends: true, prompt: { name: found.binding.name, kind: 'named-constant', text, hasDynamicParts: text.includes(PLACEHOLDER) } });
  }
  // Statements with neither bindings nor functions hold nothing discoverPrompts could find.
  if (bindings.length === 0 && facts.functions.length === 0) return out ?? emptyList();
  const discovered = discoverPrompts(facts, (binding) => modulePrompts?.has(binding) === true);
  for (let index = 0; index < discovered.length; index++) {
    const found = discovered[index];
    const relative = { start: found.span.start - facts.start, end: found.span.end - facts.start };
    if (found.file) {
      const prompt = { name: found.name, kind: 'prompt-file' as const, text: '', hasDynamicParts: false, file: found.file };
      // A module-level one is a binding like any constant: the calls that send it give it their model.
      (out ??= []).push(found.binding && !found.scope ? { binding: found.binding, prompt } : { facts, relative, prompt });
      continue;
    }
    const rendered = decodeEscapes(stringify({ expr: promptTextExpr(found.value), scope: found.scope }, env).text);
    const fixed = withoutPlaceholders(rendered);
    if (fixed.trim() === '') continue;
    const onlyIfSent = found.weak && (nonProseReason(rendered) !== undefined || fixed.trim().length < WEAK_PROMPT_CHARS);
    const hasDynamicParts = rendered.includes(PLACEHOLDER);
    const kind: PromptKind = found.kind;
    // Optional fields set after the others, in the order a spread of them gave (no spread of small objects here).
    const prompt: Omit<RawPrompt, 'span'> = { name: found.name, kind, text: rendered, hasDynamicParts };
    if (found.model) prompt.model = found.model;
    if (onlyIfSent) prompt.onlyIfSent = onlyIfSent;
    (out ??= []).push({ facts, relative, prompt });
  }
  return out ?? emptyList();
}

/** A constant a call sends, with its own prompt when it reads as long prose (see proseOf). */
function constantUse(binding: Binding, model: string | undefined, cached: boolean, env: ModuleEnv): PromptUse {
  const use: Extract<PromptUse, { kind: 'constant' }> = { kind: 'constant', binding, model, cached };
  const prose = proseOf(binding, env);
  if (prose) use.prose = prose;
  return use;
}

/** `text` without its run-time placeholders (as `text.split(PLACEHOLDER).join('')`, without copying a text that has none). */
function withoutPlaceholders(text: string): string {
  return text.includes(PLACEHOLDER) ? text.replaceAll(PLACEHOLDER, '') : text;
}

/** True when `text` has a character that is not whitespace outside its placeholders (as `withoutPlaceholders(text).trim() !== ''`, without the copy). */
function hasStaticText(text: string): boolean {
  for (let at = 0; at < text.length; ) {
    const next = text.indexOf(PLACEHOLDER, at);
    const end = next === -1 ? text.length : next;
    for (let index = at; index < end; index++) if (!isWhitespace(text.charCodeAt(index))) return true;
    if (next === -1) return false;
    at = next + PLACEHOLDER.length;
  }
  return false;
}

/** The characters `trim()` removes (and `\s` matches): ECMAScript white space and line terminators. */
function isWhitespace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/**
 * The text of a module-level string value, as the API receives it (`stringify` at module scope,
 * escapes decoded). A one-shot analysis renders each value once (see ModuleEnv.constantTexts):
 * the constant's declaration, the calls sending it and the prose check all read the same text.
 * `rendered`: the value's `stringify` text, when the caller has it already.
 */
function constantText(value: Expr, env: ModuleEnv, rendered?: string): ConstantText {
  const memo = env.constantTexts;
  const known = memo?.get(value);
  if (known) return known;
  const constant: ConstantText = { text: decodeEscapes(rendered ?? stringify({ expr: promptTextExpr(value), scope: undefined }, env).text) };
  memo?.set(value, constant);
  return constant;
}

/** nonProseReason of a constant's text, worked out once per text (see constantText). */
function constantNonProse(constant: ConstantText): string | undefined {
  if (constant.nonProse === undefined) constant.nonProse = nonProseReason(constant.text) ?? null;
  return constant.nonProse ?? undefined;
}

/** The prompt uses of a statement's requests (see PromptUse), in source order of their calls. */
export function promptUsesOf(requests: RequestModel[], env: ModuleEnv): PromptUse[] {
  const uses: PromptUse[] = [];
  // Requests arrive in lowering order (inner calls first); the model rule wants source order.
  const ordered = requests.length > 1 ? [...requests].sort((a, b) => a.site.call.start - b.site.call.start) : requests;
  for (let at = 0; at < ordered.length; at++) {
    const request = ordered[at];
    const method = request.method;
    const model = request.model;
    const blocks = request.blocks;
    let lastBreakpoint = -1;
    for (let index = 0; index < blocks.length; index++) if (blocks[index].breakpoint) lastBreakpoint = index;
    if (request.automatic) lastBreakpoint = blocks.length - 1;
    const texts = blockTexts(request, env);
    for (let index = 0; index < blocks.length; index++) {
      const block = blocks[index];
      if (block.section === 'tools') continue;
      const cached = index <= lastBreakpoint;
      forEachConstantSent(block.content, env, (binding) => uses.push(constantUse(binding, model, cached, env)));
      const table = indexedPromptTable(block.content, env);
      for (let entry = 0; entry < table.length; entry++) uses.push(table[entry](model, cached));
      const target = followToString(block.content, env);
      if (!target) continue;
      const text = decodeEscapes((target.loc === block.content ? texts[index] : stringify(target.loc, env)).text);
      const hasDynamicParts = text.includes(PLACEHOLDER);
      // An inline argument whose written part holds no word (a separator between run-time values) is no prompt worth a lens.
      const worthPricing = hasStaticText(text) && (target.binding !== undefined || /[A-Za-z\u00C0-\uFFFF]{2}/.test(hasDynamicParts ? text.replaceAll(PLACEHOLDER, ' ') : text));
      if (target.binding) {
        uses.push({ kind: 'direct', binding: target.binding, text, hasDynamicParts, worthPricing, model, cached });
        continue;
      }
      const span = { start: target.loc.expr.start, end: target.loc.expr.end };
      const label = block.section === 'system' ? 'system' : `messages[${block.messageIndex ?? 0}].content`;
      const argument: RawPrompt | undefined = worthPricing ? { name: `${label} (${method})`, kind: 'sdk-argument', span, text, hasDynamicParts, model, cached } : undefined;
      uses.push({ kind: 'inline', start: span.start, end: span.end, model, cached, argument });
    }
    const call = request.site.call;
    // A block that is a prompt file's text (`system=SYSTEM` with `SYSTEM = open("prompts/x.md").read()`)
    // is known once the file is read: it is named here, not left as a run-time part.
    let files: string[] | undefined;
    // The non-empty pieces joined by blank lines (as `pieces.join('\n\n')`, without the list; one piece is the text itself).
    let text = '';
    for (let index = 0; index < blocks.length; index++) {
      const file = blocks[index].section === 'tools' ? undefined : promptFileSent(blocks[index].content, env);
      if (file !== undefined) (files ??= []).push(file);
      else {
        const piece = decodeEscapes(texts[index].text);
        if (piece !== '') text = text === '' ? piece : `${text}\n\n${piece}`;
      }
    }
    const cachedAny = lastBreakpoint >= 0;
    const requestPrompt: RawPrompt = { name: `${method} request`, kind: 'request', span: { start: call.start, end: call.end }, text, hasDynamicParts: text.includes(PLACEHOLDER) || request.unresolved.size > 0 || request.conversation, model, cached: cachedAny };
    if (files) requestPrompt.files = files;
    uses.push({ kind: 'call', start: call.start, end: call.end, request: requestPrompt });
  }
  return uses;
}

/** The prompt file a request block sends when the block names a variable read from one (see promptFileOf). */
function promptFileSent(content: Located, env: ModuleEnv): string | undefined {
  const expr = content.expr;
  if (expr.kind !== 'ref') return undefined;
  const found = lookup(env, expr.name, content.scope, expr.start);
  const value = found?.binding.kind === 'assign' ? found.binding.value : undefined;
  if (!found || !value) return undefined;
  // `with open(…) as f: SYSTEM = f.read()`: the handle is bound beside the read, in the same scope.
  const handle = value.kind === 'call' && value.calleeExpr.kind === 'member' && value.calleeExpr.object.kind === 'ref' ? value.calleeExpr.object.name : undefined;
  const bindings = handle === undefined ? [] : found.scope ? found.scope.bindings : (env.bindings.get(handle) ?? []);
  return promptFileOf(value, found.binding.name, bindings);
}

/** Each request's whole known input per call, in source order (see PromptUse `call`). */
export function assembleCalls(uses: PromptUse[][]): RawPrompt[] {
  const calls: RawPrompt[] = [];
  const seen = new Set<number | string>();
  for (let at = 0; at < uses.length; at++) {
    const list = uses[at];
    for (let index = 0; index < list.length; index++) {
      const use = list[index];
      if (use.kind !== 'call') continue;
      const key = spanKey(use.start, use.end);
      if (seen.has(key)) continue;
      seen.add(key);
      calls.push(copyPrompt(use.request, { start: use.start, end: use.end }));
    }
  }
  return calls.sort((a, b) => a.span.start - b.span.start);
}

/**
 * Puts the file's prompts together from each statement's declared constants and uses. A constant
 * takes the model of the calls that send it, directly or through interpolation, local variables
 * and helpers: when several calls name different models, the first of them in source order that
 * names one (a literal or a module constant) wins, so the lens prices what the file most visibly does.
 */
export function assemblePrompts(declared: BindingPrompt[][], uses: PromptUse[][]): RawPrompt[] {
  const prompts: RawPrompt[] = [];
  const byBinding = new Map<Binding, RawPrompt>();
  const sentByOthers: BindingPrompt[] = [];
  for (let at = 0; at < declared.length; at++) {
    const list = declared[at];
    for (let index = 0; index < list.length; index++) {
      const entry = list[index];
      const { binding, facts, relative, prompt } = entry;
      if (entry.sends) {
        sentByOthers.push(entry);
        continue;
      }
      const span = relative && facts ? { start: facts.start + relative.start, end: facts.start + relative.end } : { start: binding?.at ?? 0, end: binding?.end ?? 0 };
      const copy = copyPrompt(prompt, span);
      prompts.push(copy);
      if (binding && !relative) byBinding.set(binding, copy);
    }
  }
  for (const { binding, prompt } of sentByOthers) {
    if (!binding) continue;
    let known = byBinding.get(binding);
    if (!known) {
      known = copyPrompt(prompt, { start: binding.at, end: binding.end });
      byBinding.set(binding, known);
      prompts.push(known);
    }
    known.sent = true;
  }
  // Inline SDK arguments are matched against module constants first (they take the call's model);
  // a local or field found inside a function that a call sends is priced as that call's argument.
  const constants = [...byBinding.values()].sort((a, b) => a.span.start - b.span.start);
  const moduleLevel = new Set(byBinding.values());
  const discovered = prompts.filter((prompt) => !moduleLevel.has(prompt)).sort((a, b) => a.span.start - b.span.start || b.span.end - a.span.end);
  const superseded = new Set<RawPrompt>();
  const bySpan = new Map<number | string, RawPrompt>();
  const note = (prompt: RawPrompt, model: string | undefined, cached: boolean): void => {
    prompt.model ??= model;
    prompt.cached ||= cached;
    prompt.sent = true;
  };
  for (let at = 0; at < uses.length; at++) {
    const list = uses[at];
    for (let index = 0; index < list.length; index++) {
      const use = list[index];
      if (use.kind === 'call') continue;
      if (use.kind === 'constant') {
        let known = byBinding.get(use.binding);
        if (!known && use.prose) {
          // A constant a call sends inside a larger text (`f"{RULES}\n{TONE}"`) is a prompt of its own when it reads as one.
          known = copyPrompt(use.prose, { start: use.binding.at, end: use.binding.end });
          byBinding.set(use.binding, known);
          prompts.push(known);
        }
        if (known) note(known, use.model, use.cached);
      } else if (use.kind === 'direct') {
        let known = byBinding.get(use.binding);
        if (!known && use.worthPricing) {
          known = copyPrompt({ name: use.binding.name, kind: 'named-constant', text: use.text, hasDynamicParts: use.hasDynamicParts }, { start: use.binding.at, end: use.binding.end });
          byBinding.set(use.binding, known);
          prompts.push(known);
        }
        if (known) note(known, use.model, use.cached);
      } else {
        const inside = enclosingConstant(constants, use.start, use.end);
        if (inside) {
          note(inside, use.model, use.cached);
          continue;
        }
        // A local or field a call sends is listed once, as the call's argument, where the local is written.
        const holder = enclosingConstant(discovered, use.start, use.end);
        const sentLocal = holder && holder.kind !== 'returned' ? holder : undefined;
        if (sentLocal) {
          if (use.argument) superseded.add(sentLocal);
          else note(sentLocal, use.model, use.cached);
        }
        if (!use.argument) continue;
        const key = spanKey(use.start, use.end);
        const existing = bySpan.get(key);
        if (existing) {
          existing.cached ||= use.cached;
          continue;
        }
        const prompt = copyPrompt(use.argument, sentLocal ? { ...sentLocal.span } : { ...use.argument.span });
        bySpan.set(key, prompt);
        prompts.push(prompt);
      }
    }
  }
  return prompts.filter((prompt) => !superseded.has(prompt) && (!prompt.onlyIfSent || prompt.sent)).sort((a, b) => a.span.start - b.span.start);
}

/** Spans ending below this (above MAX_ANALYSED_CHARS) get a number for a key. */
const SPAN_KEY_LIMIT = 8_388_608;

/**
 * One key per span, a number rather than a string per use: below 2^23 (every analysed text),
 * `start * 2^23 + end` is exact and tells any two spans apart; beyond it, the `start:end` string.
 */
function spanKey(start: number, end: number): number | string {
  return start >= 0 && start <= end && end < SPAN_KEY_LIMIT && Number.isInteger(start) && Number.isInteger(end) ? start * SPAN_KEY_LIMIT + end : `${start}:${end}`;
}

/**
 * A prompt's copy at `span`, its fields set in one order (the lists mix objects built in many
 * places; one shape keeps the per-edit assembly off V8's slow paths). `model` and `cached` are
 * copied only when present: whether they are present is what the report shows.
 */
function copyPrompt(prompt: Omit<RawPrompt, 'span'>, span: Span): RawPrompt {
  const out: RawPrompt = { name: prompt.name, kind: prompt.kind, text: prompt.text, hasDynamicParts: prompt.hasDynamicParts, span, sent: prompt.sent === true, onlyIfSent: prompt.onlyIfSent === true };
  if (prompt.file !== undefined) out.file = prompt.file;
  if (prompt.files !== undefined) out.files = prompt.files;
  if ('model' in prompt) out.model = prompt.model;
  if ('cached' in prompt) out.cached = prompt.cached;
  return out;
}

/**
 * The innermost declared prompt whose span contains [start, end), by binary search over spans
 * sorted by start: the last one starting at or before `start`, else the ones before it that contain it
 * (a function's returned prompt contains the fields and locals found inside it).
 */
function enclosingConstant(sorted: RawPrompt[], start: number, end: number): RawPrompt | undefined {
  let low = 0;
  let high = sorted.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (sorted[middle].span.start <= start) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  for (let index = found; index >= 0 && found - index < 8; index--) if (end <= sorted[index].span.end) return sorted[index];
  return undefined;
}

function promptFromBinding(binding: Binding & { className?: string }, env: ModuleEnv): RawPrompt | undefined {
  const value = binding.value as Expr;
  const named = PROMPT_NAME.test(binding.name);
  let kind: PromptKind | undefined;
  let constant: ConstantText | undefined;
  if (value.kind === 'list' && isFewShot(value)) kind = named || value.items.length > 0 ? 'few-shot' : undefined;
  else if (isStringValue(value)) {
    // Most string constants are neither named like prompts nor long multi-line literals: they are not rendered.
    const multiline = value.kind === 'str' && value.multiline;
    if (!named && !multiline) return undefined;
    const rendered = stringify({ expr: promptTextExpr(value), scope: undefined }, env);
    const hasPlaceholders = isTemplate(value) || /\{[A-Za-z_][\w.]*\}|\{\{\s*[\w.]+\s*\}\}/.test(rendered.text);
    if (named) kind = hasPlaceholders ? 'template' : 'named-constant';
    else if (multiline && rendered.text.length >= MULTILINE_PROMPT_CHARS) kind = hasPlaceholders ? 'template' : 'multiline-string';
    // The same rendering, escapes decoded: the text the calls sending the constant read too.
    if (kind) constant = constantText(value, env, rendered.text);
  }
  if (!kind) return undefined;
  constant ??= constantText(value, env);
  const text = constant.text;
  // A long unnamed string is a prompt only if it reads as one; a named one that does not is listed only when sent.
  const notProse = kind === 'few-shot' ? undefined : constantNonProse(constant);
  if (notProse && kind === 'multiline-string') return undefined;
  const prompt: RawPrompt = {
    name: binding.className ? `${binding.className}.${binding.name}` : binding.name,
    kind,
    span: { start: binding.at, end: binding.end },
    text,
    hasDynamicParts: text.includes(PLACEHOLDER) || kind === 'template',
  };
  if (notProse) prompt.onlyIfSent = true;
  return prompt;
}

function isTemplate(value: Expr): boolean {
  return value.kind === 'str' && value.template && value.parts.some((part) => 'expr' in part);
}

function isFewShot(value: Extract<Expr, { kind: 'list' }>): boolean {
  return value.items.length > 0 && value.items.every((item) => item.kind === 'dict' && item.entries.some((entry) => entry.key === 'role') && item.entries.some((entry) => entry.key === 'content'));
}

/**
 * Calls `visit` with every module- or class-level binding whose value ends up in `loc`'s text:
 * interpolated, concatenated, passed through `.strip()`/`.format()`/`dedent()`, held in a local
 * variable, or returned by a helper. Each binding and helper is followed once.
 */
function forEachConstantSent(loc: Located, env: ModuleEnv, visit: (binding: Binding) => void): void {
  walkSent(loc.expr, loc.scope, 0, env, visit, new Guard());
}

/** One step of forEachConstantSent (a function, not a closure per step: this runs per value sent). */
function walkSent(expr: Expr, scope: Located['scope'], depth: number, env: ModuleEnv, visit: (binding: Binding) => void, seen: Guard): void {
  if (depth > 40 || seen.has(expr)) return;
  seen.add(expr);
  const inner = depth + 1;
  switch (expr.kind) {
    case 'str':
      for (const part of expr.parts) if ('expr' in part) walkSent(part.expr, scope, inner, env, visit, seen);
      return;
    case 'concat':
      walkSent(expr.left, scope, inner, env, visit, seen);
      walkSent(expr.right, scope, inner, env, visit, seen);
      return;
    case 'choice':
      for (const option of expr.options) walkSent(option, scope, inner, env, visit, seen);
      return;
    case 'list':
      for (const item of expr.items) walkSent(item, scope, inner, env, visit, seen);
      return;
    case 'dict':
      for (const entry of expr.entries) if (entry.key !== 'cache_control') walkSent(entry.value, scope, inner, env, visit, seen);
      return;
    case 'spread':
      walkSent(expr.value, scope, inner, env, visit, seen);
      return;
    case 'comp':
      walkSent(expr.body, scope, inner, env, visit, seen);
      return;
    case 'ref': {
      const found = lookup(env, expr.name, scope, expr.start);
      if (!found || found.binding.kind !== 'assign' || !found.binding.value || seen.has(found.binding)) return;
      seen.add(found.binding);
      if (!found.scope) visit(found.binding);
      // As the closure this replaced did: an undefined scope (a module binding) keeps the current one.
      walkSent(found.binding.value, found.scope ?? scope, inner, env, visit, seen);
      return;
    }
    case 'member': {
      const object = expr.object;
      const ownClass = object.kind === 'ref' && (object.name === 'self' || object.name === 'this' || object.name === 'cls');
      const namedClass = object.kind === 'ref' && /^[A-Z]/.test(object.name);
      const binding = ownClass || namedClass ? env.classBindings.get(expr.property)?.[0] : undefined;
      if (binding?.value && !seen.has(binding)) {
        seen.add(binding);
        visit(binding);
        walkSent(binding.value, scope, inner, env, visit, seen);
      }
      return;
    }
    case 'call': {
      if (expr.calleeExpr.kind === 'member') walkSent(expr.calleeExpr.object, scope, inner, env, visit, seen);
      for (const arg of expr.args) walkSent(arg, scope, inner, env, visit, seen);
      for (const kwarg of expr.kwargs) walkSent(kwarg.value, scope, inner, env, visit, seen);
      const helper = helperOf(expr, scope, env);
      if (helper && helper.returns.length > 0 && !seen.has(helper)) {
        seen.add(helper);
        walkSent(helper.returns[helper.returns.length - 1], helper, inner, env, visit, seen);
      }
      return;
    }
    default:
      return;
  }
}

/** Prompts sent inside a larger text are listed on their own only when long prose (not a list of labels, a date format…). */
const SENT_PART_MIN_CHARS = 60;

function proseOf(binding: Binding & { className?: string }, env: ModuleEnv): Omit<RawPrompt, 'span'> | undefined {
  if (binding.kind !== 'assign' || !binding.value || !isStringValue(binding.value)) return undefined;
  const constant = constantText(binding.value, env);
  const text = constant.text;
  const fixed = withoutPlaceholders(text).trim();
  if (fixed.length < SENT_PART_MIN_CHARS || constantNonProse(constant) !== undefined || !hasWords(fixed, 8)) return undefined;
  return { name: binding.className ? `${binding.className}.${binding.name}` : binding.name, kind: 'named-constant', text, hasDynamicParts: text.includes(PLACEHOLDER) };
}

const WHITESPACE_RUN = /\s+/g;

/** True when a trimmed, non-empty text splits on whitespace into at least `count` words (as `split(/\s+/).length >= count`, without the array). */
function hasWords(trimmed: string, count: number): boolean {
  WHITESPACE_RUN.lastIndex = 0;
  let words = 1;
  while (words < count && WHITESPACE_RUN.test(trimmed)) words++;
  WHITESPACE_RUN.lastIndex = 0;
  return words >= count;
}

/**
 * `system=STEPS[step]`: a module dict of prompts picked by key at run time. Each string entry of
 * the dict is a prompt the call sends, listed where it is written.
 */
function indexedPromptTable(loc: Located, env: ModuleEnv): readonly ((model: string | undefined, cached: boolean) => PromptUse)[] {
  const { expr } = loc;
  if (expr.kind !== 'index' || expr.object.kind !== 'ref') return emptyList();
  const found = lookup(env, expr.object.name, loc.scope, expr.start);
  const table = found && !found.scope && found.binding.kind === 'assign' ? found.binding.value : undefined;
  if (!table || table.kind !== 'dict' || !found) return [];
  const owner = found.binding.name;
  return table.entries
    .filter((entry) => entry.key !== undefined && isStringValue(entry.value))
    .map((entry) => (model: string | undefined, cached: boolean): PromptUse => {
      const text = decodeEscapes(stringify({ expr: promptTextExpr(entry.value), scope: undefined }, env).text);
      const argument: RawPrompt = { name: `${owner}[${JSON.stringify(entry.key)}]`, kind: 'field', span: { start: entry.start, end: entry.end }, text, hasDynamicParts: text.includes(PLACEHOLDER), model, cached };
      return { kind: 'inline', start: entry.start, end: entry.end, model, cached, argument };
    });
}


interface StringTarget {
  loc: Located;
  /** The module-level binding holding the string, when it is one. */
  binding?: Binding;
}

/** Follows names from an argument to the string it holds: a module binding, or a literal in the function. */
function followToString(loc: Located, env: ModuleEnv, depth = 0): StringTarget | undefined {
  const { expr } = loc;
  if (depth > 10) return undefined;
  if (expr.kind === 'ref') {
    const found = lookup(env, expr.name, loc.scope, expr.start);
    if (!found?.binding.value || found.binding.kind !== 'assign') return undefined;
    if (!found.scope) return isStringValue(found.binding.value) ? { loc: { expr: found.binding.value, scope: undefined }, binding: found.binding } : undefined;
    return followToString({ expr: found.binding.value, scope: found.scope }, env, depth + 1);
  }
  if (expr.kind === 'member' && expr.object.kind === 'ref' && ['self', 'this', 'cls'].includes(expr.object.name)) {
    const binding = env.classBindings.get(expr.property)?.[0];
    return binding?.value && isStringValue(binding.value) ? { loc: { expr: binding.value, scope: undefined }, binding } : undefined;
  }
  if (expr.kind === 'str' || expr.kind === 'concat' || expr.kind === 'call') return isStringValue(expr) ? { loc } : undefined;
  return undefined;
}
