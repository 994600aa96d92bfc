/**
 * Prompts written away from module constants: variables and templates local to a function,
 * prompts a function or arrow function returns (the lens sits on the function), prompt fields of
 * object literals, dicts and keyword arguments (`system`, `prompt`, `instructions`, the `content`
 * of a system or first user message), prompt wrappers (`SystemMessage("…")`,
 * `PromptTemplate.from_template("…")`), prompt files read by path and few-shot example lists.
 * Offsets are kept relative to the statement so a cached result stays right after edits above it.
 */
import type { Binding, DictEntry, Expr, Kwarg, Scope, Span, StatementFacts } from './ir';
import { isSdkCallee } from './lowerContext';
import type { PromptKind } from './types';
import { emptyList } from '../util/emptyList';

/** Names that say a string is a prompt. */
export const PROMPT_NAME = /prompt|system|instruction|template|few_?shot|examples|persona|guideline|rubric|preamble/i;
/** Object/dict keys and keyword arguments that hold a prompt for a model. */
const PROMPT_FIELDS = new Set(['system', 'prompt', 'instructions', 'system_prompt', 'systemPrompt', 'system_message', 'systemMessage', 'instruction', 'preamble', 'user_prompt', 'userPrompt', 'prompt_template', 'promptTemplate', 'template', 'systemInstruction', 'system_instruction', 'backstory', 'goal']);
/** Calls whose first string argument (or `content`/`template` keyword) is a prompt. */
const PROMPT_WRAPPER = /(?:^|\.)(?:SystemMessage|HumanMessage|UserMessage|AIMessage|SystemMessagePromptTemplate|HumanMessagePromptTemplate|PromptTemplate|ChatPromptTemplate|from_template|fromTemplate|Template|dedent|cleandoc|stripIndent|outdent)$/;
/** Calls that send their prompt fields to a model (AI SDK, OpenAI-style clients, agent constructors, LiteLLM). */
const MODEL_CALL = /(?:^|\.)(?:generateText|streamText|generateObject|streamObject|completions\.create|responses\.create|completion|acompletion|Agent|invoke|ainvoke|generate_content|generateContent|generate_content_async|run_sync)$/;
/** Few-shot lists named so, whatever their items look like. */
const FEW_SHOT_NAME = /few_?shot|examples|shots|demos|demonstrations/i;
/** Calls that read a prompt file by path. */
const FILE_READERS = /(?:^|\.)(?:read|read_text|readFileSync|readFile|load_prompt|loadPrompt)$/;
const PROMPT_FILE = /\.(?:md|txt|prompt|j2|jinja2?|mustache|hbs|tmpl|xml|yaml|yml)$/i;

/** A prompt found by discovery, before the statement's offsets are added. */
export interface FoundPrompt {
  name: string;
  kind: PromptKind;
  /** The value holding the text. */
  value: Expr;
  /** Where the lens goes, in absolute offsets at lowering time. */
  span: Span;
  scope: Scope | undefined;
  /** The binding, when the prompt is a variable (module-level ones resolve by name). */
  binding?: Binding;
  /** A prompt file read by path (relative to the source file), whose text the CLI and editor read. */
  file?: string;
  /** Found by a weaker sign (a field, a local): kept only if it reads as prose or a call sends it. */
  weak: boolean;
  /** The model id written beside a field (`{ model: "…", system: "…" }`, `generateText({ model: anthropic("…") })`). */
  model?: string;
}

/** A model id written as a literal, or as the literal argument of a provider call (`anthropic("claude-…")`). */
function modelLiteral(expr: Expr | undefined): string | undefined {
  if (!expr) return undefined;
  if (expr.kind === 'str' && expr.parts.every((part) => 'text' in part)) return expr.parts.map((part) => ('text' in part ? part.text : '')).join('');
  if (expr.kind === 'call' && expr.args.length === 1) return modelLiteral(expr.args[0]);
  return undefined;
}

/** True when an expression evaluates to a string the file writes (literal, concatenation, wrapper, method on one). */
export function isStringValue(value: Expr): boolean {
  if (value.kind === 'str') return true;
  if (value.kind === 'concat') return isStringValue(value.left) || isStringValue(value.right);
  if (value.kind === 'call' && value.calleeExpr.kind === 'member') return isStringValue(value.calleeExpr.object) || (PROMPT_WRAPPER.test(value.callee) && wrappedString(value) !== undefined);
  if (value.kind === 'call' && PROMPT_WRAPPER.test(value.callee)) return wrappedString(value) !== undefined;
  return false;
}

/** The expression holding a prompt's text: the string inside a wrapper call (`PromptTemplate.from_template("…")`), else the value itself. */
export function promptTextExpr(value: Expr): Expr {
  // `\`…${x}\`.trim()` and `dedent(f"…")`: the text is the string's, whatever run-time parts it holds
  // (resolving the call itself would give up on the whole value as soon as one part is dynamic).
  for (let depth = 0; depth < 8 && value.kind === 'call'; depth++) {
    const method = value.callee.slice(value.callee.lastIndexOf('.') + 1);
    if (value.calleeExpr.kind === 'member' && value.args.length === 0 && TRIMMERS.has(method)) value = value.calleeExpr.object;
    else if (PROMPT_WRAPPER.test(value.callee)) {
      const inner = wrappedString(value);
      if (!inner) break;
      value = inner;
    } else break;
  }
  return value;
}

const TRIMMERS = new Set(['trim', 'trimStart', 'trimEnd', 'strip', 'lstrip', 'rstrip']);

/** The string a prompt wrapper call holds: its first string argument or its `content`/`template` keyword. */
function wrappedString(call: Extract<Expr, { kind: 'call' }>): Expr | undefined {
  const first = call.args[0];
  if (first && isStringValue(first)) return first;
  const keyword = call.kwargs.find((kwarg) => ['content', 'template', 'text'].includes(kwarg.name));
  return keyword && isStringValue(keyword.value) ? keyword.value : undefined;
}

/** The file a call reads when it is `open("x.md").read()`, `Path("x.md").read_text()` or `readFileSync(path.join(__dirname, "x.md"))`. */
export function promptFileOf(value: Expr, variable: string, bindings: readonly Binding[] = []): string | undefined {
  if (value.kind !== 'call' || !FILE_READERS.test(value.callee)) return undefined;
  const candidates: Expr[] = [...value.args];
  if (value.calleeExpr.kind === 'member') candidates.unshift(value.calleeExpr.object);
  for (const candidate of candidates) {
    const file = pathLiteral(openedBy(candidate, bindings));
    // A document read and sent (`data/contract.txt`) is input, not a prompt: the name must say prompt.
    if (file && (PROMPT_NAME.test(variable) || PROMPT_PATH.test(file))) return file;
  }
  return undefined;
}

/** The value a handle was opened from (`with open("x.md") as f:` makes `f` stand for `open("x.md")`), else the expression itself. */
function openedBy(expr: Expr, bindings: readonly Binding[]): Expr {
  if (expr.kind !== 'ref') return expr;
  const opened = bindings.filter((binding) => binding.name === expr.name && binding.kind === 'assign' && binding.at < expr.start && binding.value?.kind === 'call').pop();
  return opened?.value ?? expr;
}

/** Paths that hold prompts: a prompt-ish folder or file name, or a template extension. */
const PROMPT_PATH = /prompt|system|instruction|template|persona|agent|\.(?:prompt|j2|jinja2?|mustache|hbs|tmpl)$/i;

/** `"x.md"`, `open("x.md")`, `Path("a") / "x.md"`, `path.join(__dirname, "a", "x.md")` as a relative path. */
function pathLiteral(expr: Expr): string | undefined {
  if (expr.kind === 'str' && expr.parts.every((part) => 'text' in part)) {
    const text = expr.parts.map((part) => ('text' in part ? part.text : '')).join('');
    return PROMPT_FILE.test(text) ? text : undefined;
  }
  if (expr.kind === 'call' && /(?:^|\.)(?:open|Path|join|resolve)$/.test(expr.callee)) {
    const pieces = expr.args.map((arg) => (arg.kind === 'str' && arg.parts.every((part) => 'text' in part) ? arg.parts.map((part) => ('text' in part ? part.text : '')).join('') : undefined));
    const literal = pieces.filter((piece): piece is string => piece !== undefined);
    const joined = literal.join('/');
    if (expr.callee === 'open' || expr.callee.endsWith('Path')) return PROMPT_FILE.test(literal[0] ?? '') ? literal[0] : undefined;
    return PROMPT_FILE.test(joined) ? joined : undefined;
  }
  return undefined;
}

/** Prompts a statement holds away from its module constants (see the module comment). */
export function discoverPrompts(facts: StatementFacts, isModulePrompt: (binding: Binding) => boolean): FoundPrompt[] {
  const out: FoundPrompt[] = [];
  // Indexed loops here and in scopePrompts: they run for every statement and scope of the file.
  const bindings = facts.bindings;
  for (let index = 0; index < bindings.length; index++) {
    const binding = bindings[index];
    if (binding.kind !== 'assign' || !binding.value) continue;
    const owner = binding.className ? `${binding.className}.${binding.name}` : binding.name;
    const file = promptFileOf(binding.value, binding.name, facts.bindings);
    if (file && !isModulePrompt(binding)) {
      out.push({ name: owner, kind: 'prompt-file', value: binding.value, span: { start: binding.at, end: binding.end }, scope: undefined, binding, file, weak: false });
      continue;
    }
    if (isModulePrompt(binding)) continue;
    fieldsIn(binding.value, owner, undefined, out, 0);
  }
  const functions = facts.functions;
  for (let index = 0; index < functions.length; index++) scopePrompts(functions[index], out);
  return out;
}

function scopePrompts(scope: Scope, out: FoundPrompt[]): void {
  const returned = scope.returns[scope.returns.length - 1];
  if (returned && PROMPT_NAME.test(scope.name) && isStringValue(returned)) {
    out.push({ name: `${scope.name}()`, kind: 'returned', value: returned, span: { start: scope.start, end: scope.end }, scope, weak: false });
  }
  // Made on first use: most scopes hold no string variable.
  let seen: Set<string> | undefined;
  const bindings = scope.bindings;
  for (let index = 0; index < bindings.length; index++) {
    const binding = bindings[index];
    if (binding.kind !== 'assign' || !binding.value) continue;
    const value = binding.value;
    const file = promptFileOf(value, binding.name, scope.bindings);
    if (file) {
      out.push({ name: `${scope.name}: ${binding.name}`, kind: 'prompt-file', value, span: { start: binding.at, end: binding.end }, scope, binding, file, weak: false });
      continue;
    }
    if (isStringValue(value)) {
      // A variable rebuilt several times (`prompt = …; prompt += …`) is one prompt: its first assignment.
      if (seen?.has(binding.name)) continue;
      const named = PROMPT_NAME.test(binding.name);
      const multiline = value.kind === 'str' && value.multiline;
      if (named || multiline) {
        (seen ??= new Set()).add(binding.name);
        out.push({ name: `${scope.name}: ${binding.name}`, kind: 'local', value, span: { start: binding.at, end: binding.end }, scope, binding, weak: !named });
      }
      continue;
    }
    if (value.kind === 'list' && FEW_SHOT_NAME.test(binding.name) && value.items.length > 0) {
      out.push({ name: `${scope.name}: ${binding.name}`, kind: 'few-shot', value, span: { start: binding.at, end: binding.end }, scope, binding, weak: false });
      continue;
    }
    // The owner's name is built only for a value fieldsIn can find something in.
    if (mayHoldFields(value)) fieldsIn(value, `${scope.name}: ${binding.name}`, scope, out, 0);
  }
  const returns = scope.returns;
  for (let index = 0; index < returns.length; index++) if (mayHoldFields(returns[index])) fieldsIn(returns[index], `${scope.name}()`, scope, out, 0);
}

/** False for the kinds of value fieldsIn returns from at once (names, strings, numbers, operators). */
function mayHoldFields(expr: Expr): boolean {
  switch (expr.kind) {
    case 'dict':
    case 'member':
    case 'list':
    case 'call':
    case 'choice':
      return true;
    case 'opaque':
      return expr.inner !== undefined;
    default:
      return false;
  }
}

/**
 * Prompt fields inside a value: dict/object entries and keyword arguments named like prompts,
 * the system and first user message of a message list, and prompt wrapper calls. SDK calls are
 * left to the request model, which prices their arguments already.
 */
function fieldsIn(expr: Expr, owner: string, scope: Scope | undefined, out: FoundPrompt[], depth: number): void {
  if (depth > 12) return;
  switch (expr.kind) {
    case 'dict': {
      const model = modelLiteral(expr.entries.find((entry) => entry.key === 'model')?.value);
      const before = out.length;
      for (const entry of expr.entries) {
        // Names are built only where a prompt can be found (this walks every value of every function).
        if (entry.key && PROMPT_FIELDS.has(entry.key) && fieldPrompt(entry, entry.key, `${owner}.${entry.key}`, scope, out)) continue;
        if (entry.key === 'messages' && entry.value.kind === 'list') messagePrompts(entry.value, `${owner}.messages`, scope, out);
        else if (mayHoldFields(entry.value)) fieldsIn(entry.value, entry.key ? `${owner}.${entry.key}` : owner, scope, out, depth + 1);
      }
      if (model) for (const found of out.slice(before)) found.model ??= model;
      return;
    }
    case 'opaque':
      if (expr.inner) fieldsIn(expr.inner, owner, scope, out, depth + 1);
      return;
    case 'member':
      // `const { object } = await generateObject({...})`: a destructured name reads a member of the call's result.
      fieldsIn(expr.object, owner, scope, out, depth + 1);
      return;
    case 'list':
      if (expr.items.some((item) => isRoleDict(item) || isRoleTuple(item))) messagePrompts(expr, owner, scope, out);
      else for (const item of expr.items) fieldsIn(item, owner, scope, out, depth + 1);
      return;
    case 'call': {
      if (isSdkCallee(expr.callee)) return;
      // The last dotted part (as `split('.').pop()`, without the array).
      const callee = expr.callee.slice(expr.callee.lastIndexOf('.') + 1) || expr.callee;
      if (PROMPT_WRAPPER.test(expr.callee) && !/dedent|cleandoc|stripIndent|outdent/.test(callee)) {
        const wrapped = wrappedString(expr);
        if (wrapped) {
          out.push({ name: `${owner} (${callee})`, kind: 'field', value: wrapped, span: { start: expr.start, end: expr.end }, scope, weak: true });
          return;
        }
      }
      const model = modelLiteral(expr.kwargs.find((kwarg) => kwarg.name === 'model')?.value);
      const before = out.length;
      const sent = MODEL_CALL.test(expr.callee);
      for (const kwarg of expr.kwargs) {
        if (PROMPT_FIELDS.has(kwarg.name) && fieldPrompt(kwarg, kwarg.name, `${callee}(${kwarg.name})`, scope, out, sent)) continue;
        if (kwarg.name === 'messages' && kwarg.value.kind === 'list') messagePrompts(kwarg.value, `${callee}(messages)`, scope, out);
        else fieldsIn(kwarg.value, owner, scope, out, depth + 1);
      }
      for (const arg of expr.args) fieldsIn(arg, callee, scope, out, depth + 1);
      if (sent) for (const found of out.slice(before)) found.weak = false;
      if (model) for (const found of out.slice(before)) found.model ??= model;
      return;
    }
    case 'choice':
      for (const option of expr.options) fieldsIn(option, owner, scope, out, depth + 1);
      return;
    default:
      return;
  }
}

/** A name a model call passes (directly, in a list, or as a message's content). */
export interface SentReference {
  name: string;
  at: number;
  scope: Scope | undefined;
}

/**
 * Names that calls of other LLM clients (not the Anthropic SDK, whose requests are modelled in
 * full) pass as their prompt: positional and `contents`/`prompt`/`system`-like arguments, list
 * items and message `content`s. The constants they name are prompts, whatever they are called.
 */
export function sentReferences(facts: StatementFacts): readonly SentReference[] {
  // Lowering notes whether any call of another client was met: most statements have none.
  if (facts.otherModelCalls === false) return emptyList();
  const out: SentReference[] = [];
  for (const binding of facts.bindings) if (binding.value) visitCalls(binding.value, undefined, 0, out);
  for (const scope of facts.functions) {
    for (const binding of scope.bindings) if (binding.value) visitCalls(binding.value, scope, 0, out);
    for (const value of scope.returns) visitCalls(value, scope, 0, out);
  }
  return out;
}

/** True when a callee is a model call of another client (the Anthropic SDK's own are modelled as requests). */
export function isOtherModelCall(callee: string): boolean {
  return MODEL_CALL.test(callee) && !isSdkCallee(callee);
}

/** The names a model call's prompt argument holds (see sentReferences). */
function visitValue(expr: Expr, scope: Scope | undefined, depth: number, out: SentReference[]): void {
  if (depth > 6) return;
  if (expr.kind === 'ref') out.push({ name: expr.name, at: expr.start, scope });
  else if (expr.kind === 'list') for (const item of expr.items) visitValue(item, scope, depth + 1, out);
  else if (expr.kind === 'dict') {
    for (const entry of expr.entries) if (entry.key === 'content' || entry.key === 'text' || (entry.key !== undefined && (PROMPT_FIELDS.has(entry.key) || SENT_KEYWORDS.has(entry.key)))) visitValue(entry.value, scope, depth + 1, out);
  } else if (expr.kind === 'concat') {
    visitValue(expr.left, scope, depth + 1, out);
    visitValue(expr.right, scope, depth + 1, out);
  }
}

/** Model calls of other clients inside a value, and what they pass (see sentReferences). */
function visitCalls(expr: Expr, scope: Scope | undefined, depth: number, out: SentReference[]): void {
  if (depth > 12) return;
  if (expr.kind === 'call') {
    if (isOtherModelCall(expr.callee)) {
      for (const arg of expr.args) visitValue(arg, scope, 0, out);
      for (const kwarg of expr.kwargs) if (SENT_KEYWORDS.has(kwarg.name) || PROMPT_FIELDS.has(kwarg.name)) visitValue(kwarg.value, scope, 0, out);
    }
    for (const arg of expr.args) visitCalls(arg, scope, depth + 1, out);
    for (const kwarg of expr.kwargs) visitCalls(kwarg.value, scope, depth + 1, out);
  } else if (expr.kind === 'dict') for (const entry of expr.entries) visitCalls(entry.value, scope, depth + 1, out);
  else if (expr.kind === 'list') for (const item of expr.items) visitCalls(item, scope, depth + 1, out);
  else if (expr.kind === 'opaque' && expr.inner) visitCalls(expr.inner, scope, depth + 1, out);
  else if (expr.kind === 'member') visitCalls(expr.object, scope, depth + 1, out);
}

/** Keyword arguments through which other clients take the prompt. */
const SENT_KEYWORDS = new Set(['contents', 'messages', 'input', 'prompt', 'system', 'instructions', 'system_instruction', 'query']);

/** Adds the field as a prompt when its key names one and its value is a string; true when it did. */
function fieldPrompt(entry: DictEntry | Kwarg, key: string, name: string, scope: Scope | undefined, out: FoundPrompt[], sent = false): boolean {
  if (!PROMPT_FIELDS.has(key) || !isStringValue(entry.value)) return false;
  out.push({ name, kind: 'field', value: entry.value, span: { start: entry.start, end: entry.end }, scope, weak: !sent });
  return true;
}

/** LangChain's `("system", "…")` message tuples. */
function isRoleTuple(item: Expr): boolean {
  return item.kind === 'list' && item.items.length === 2 && item.items[0].kind === 'str' && /^(?:system|human|user|ai|assistant|developer)$/.test(item.items[0].parts.map((part) => ('text' in part ? part.text : '')).join(''));
}

function isRoleDict(item: Expr): boolean {
  return item.kind === 'dict' && item.entries.some((entry) => entry.key === 'role') && item.entries.some((entry) => entry.key === 'content');
}

/** The content of each system/developer message and of the first user message, when written as a string. */
function messagePrompts(list: Extract<Expr, { kind: 'list' }>, owner: string, scope: Scope | undefined, out: FoundPrompt[]): void {
  let sawUser = false;
  list.items.forEach((item, index) => {
    if (item.kind === 'list' && item.items.length === 2 && item.items[0].kind === 'str') {
      // LangChain's ("system", "…") tuples.
      const role = item.items[0].parts.map((part) => ('text' in part ? part.text : '')).join('');
      const content = item.items[1];
      if ((role === 'system' || ((role === 'human' || role === 'user') && !sawUser)) && isStringValue(content)) out.push({ name: `${owner}[${index}]`, kind: 'field', value: content, span: { start: item.start, end: item.end }, scope, weak: true });
      if (role === 'human' || role === 'user') sawUser = true;
      return;
    }
    if (item.kind !== 'dict') return;
    const role = item.entries.find((entry) => entry.key === 'role')?.value;
    const content = item.entries.find((entry) => entry.key === 'content');
    const roleText = role?.kind === 'str' ? role.parts.map((part) => ('text' in part ? part.text : '')).join('') : undefined;
    const first = roleText === 'user' && !sawUser;
    if (roleText === 'user') sawUser = true;
    if (!content || !(roleText === 'system' || roleText === 'developer' || first) || !isStringValue(content.value)) return;
    out.push({ name: `${owner}[${index}].content`, kind: 'field', value: content.value, span: { start: content.start, end: content.end }, scope, weak: true });
  });
}
