import type { PromptConstant, PromptKind } from './types';
import type { Binding, Expr, Span, StatementFacts } from './ir';
import type { RequestModel } from './requests';
import { type Located, type ModuleEnv, PLACEHOLDER, lookup, stringify } from './resolve';
import { staticText } from './rules';

/** A prompt constant before offsets become lines and columns. */
export interface RawPrompt extends Omit<PromptConstant, 'range'> {
  span: Span;
}

const PROMPT_NAME = /prompt|system|instruction|template|few_?shot|examples|persona|guideline|rubric|preamble/i;
/** Multi-line string constants at least this long count as prompts whatever their name. */
const MULTILINE_PROMPT_CHARS = 200;

/** Finds module/class-level prompt constants, then inline strings passed to SDK calls. */
export function findPrompts(facts: StatementFacts[], requests: RequestModel[], env: ModuleEnv): RawPrompt[] {
  const prompts: RawPrompt[] = [];
  const byBinding = new Map<Binding, RawPrompt>();
  for (const statement of facts) {
    for (const binding of statement.bindings) {
      if (binding.kind !== 'assign' || !binding.value) continue;
      const prompt = promptFromBinding(binding, env);
      if (prompt) {
        prompts.push(prompt);
        byBinding.set(binding, prompt);
      }
    }
  }
  const constants = [...prompts].sort((a, b) => a.span.start - b.span.start);
  const bySpan = new Map<string, RawPrompt>();
  for (const request of requests) {
    const method = request.method;
    let lastBreakpoint = -1;
    request.blocks.forEach((block, index) => {
      if (block.breakpoint) lastBreakpoint = index;
    });
    if (request.automatic) lastBreakpoint = request.blocks.length - 1;
    request.blocks.forEach((block, index) => {
      if (block.section === 'tools') return;
      const cached = index <= lastBreakpoint;
      const target = followToString(block.content, env);
      if (!target) return;
      const inside = target.binding ? undefined : enclosingConstant(constants, target.loc.expr.start, target.loc.expr.end);
      if (inside) {
        inside.model ??= request.model;
        inside.cached ||= cached;
        return;
      }
      const value = stringify(target.loc, env);
      if (target.binding) {
        let known = byBinding.get(target.binding);
        if (!known && staticText(value).trim().length > 0) {
          known = { name: target.binding.name, kind: 'named-constant', span: { start: target.binding.at, end: target.binding.end }, text: value.text, hasDynamicParts: value.text.includes(PLACEHOLDER) };
          byBinding.set(target.binding, known);
          prompts.push(known);
        }
        if (known) {
          known.model ??= request.model;
          known.cached ||= cached;
        }
        return;
      }
      if (staticText(value).trim().length === 0) return;
      const key = `${target.loc.expr.start}:${target.loc.expr.end}`;
      const existing = bySpan.get(key);
      if (existing) {
        existing.cached ||= cached;
        return;
      }
      const label = block.section === 'system' ? 'system' : `messages[${block.messageIndex ?? 0}].content`;
      const prompt: RawPrompt = {
        name: `${label} (${method})`,
        kind: 'sdk-argument',
        span: { start: target.loc.expr.start, end: target.loc.expr.end },
        text: value.text,
        hasDynamicParts: value.text.includes(PLACEHOLDER),
        model: request.model,
        cached,
      };
      bySpan.set(key, prompt);
      prompts.push(prompt);
    });
  }
  return prompts.sort((a, b) => a.span.start - b.span.start);
}

/** The module-level prompt whose declaration contains [start, end), by binary search over sorted spans. */
function enclosingConstant(sorted: RawPrompt[], start: number, end: number): RawPrompt | undefined {
  let low = 0;
  let high = sorted.length - 1;
  let found: RawPrompt | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (sorted[middle].span.start <= start) {
      found = sorted[middle];
      low = middle + 1;
    } else high = middle - 1;
  }
  return found && end <= found.span.end ? found : undefined;
}

function promptFromBinding(binding: Binding & { className?: string }, env: ModuleEnv): RawPrompt | undefined {
  const value = binding.value as Expr;
  const named = PROMPT_NAME.test(binding.name);
  let kind: PromptKind | undefined;
  if (value.kind === 'list' && isFewShot(value)) kind = named || value.items.length > 0 ? 'few-shot' : undefined;
  else if (isStringValue(value)) {
    const rendered = stringify({ expr: value, scope: undefined }, env);
    const hasPlaceholders = isTemplate(value) || /\{[A-Za-z_][\w.]*\}|\{\{\s*[\w.]+\s*\}\}/.test(rendered.text);
    if (named) kind = hasPlaceholders ? 'template' : 'named-constant';
    else if (value.kind === 'str' && value.multiline && rendered.text.length >= MULTILINE_PROMPT_CHARS) kind = hasPlaceholders ? 'template' : 'multiline-string';
  }
  if (!kind) return undefined;
  const rendered = stringify({ expr: value, scope: undefined }, env);
  return {
    name: binding.className ? `${binding.className}.${binding.name}` : binding.name,
    kind,
    span: { start: binding.at, end: binding.end },
    text: rendered.text,
    hasDynamicParts: rendered.text.includes(PLACEHOLDER) || kind === 'template',
  };
}

function isTemplate(value: Expr): boolean {
  return value.kind === 'str' && value.template && value.parts.some((part) => 'expr' in part);
}

function isStringValue(value: Expr): boolean {
  if (value.kind === 'str') return true;
  if (value.kind === 'concat') return isStringValue(value.left) || isStringValue(value.right);
  if (value.kind === 'call' && value.calleeExpr.kind === 'member') return isStringValue(value.calleeExpr.object);
  if (value.kind === 'call' && ['dedent', 'textwrap.dedent', 'inspect.cleandoc'].includes(value.callee)) return value.args[0] !== undefined && isStringValue(value.args[0]);
  return false;
}

function isFewShot(value: Extract<Expr, { kind: 'list' }>): boolean {
  return value.items.length > 0 && value.items.every((item) => item.kind === 'dict' && item.entries.some((entry) => entry.key === 'role') && item.entries.some((entry) => entry.key === 'content'));
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
