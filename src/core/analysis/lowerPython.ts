import type { Node } from '@vscode/tree-sitter-wasm';
import { type SyntaxNode, withSyntaxNode } from './syntaxNodes';
import type { DictEntry, Expr, Kwarg, StatementFacts, StrPart } from './ir';
import { PROMPT_NAME } from './promptDiscovery';
import { MAX_DEPTH, append, bind, compact, compactFacts, compactScope, contextWith, type LowerContext, mentionsRequestWords, moduleScope, named, newFacts, newScope, noteCall, opaque, spansLines } from './lowerContext';
import { emptyList } from '../util/emptyList';

/** Lowers one top-level Python statement into facts (see ir.ts). */
export function lowerPythonStatement(treeNode: Node, text: string): StatementFacts {
  // The statement's nodes are recycled once it is lowered: nothing below keeps one.
  return withSyntaxNode(treeNode, text, (node) => lowerPythonNode(node, text));
}

/** Lowers one top-level Python statement given as the lowerers read nodes (see syntaxNodes.ts). */
export function lowerPythonNode(node: SyntaxNode, text: string): StatementFacts {
  const facts = newFacts(node);
  const ctx: LowerContext = { text, facts, scope: moduleScope(node), loop: undefined, repeated: undefined, className: undefined, depth: 0 };
  statement(node, ctx);
  compactScope(ctx.scope);
  return compactFacts(facts);
}

function statement(node: SyntaxNode, ctx: LowerContext): void {
  switch (node.type) {
    case 'expression_statement':
      for (const child of named(node)) expressionStatement(child, ctx, node);
      return;
    case 'decorated_definition': {
      const definition = node.childForFieldName('definition');
      if (definition) statement(definition, ctx);
      return;
    }
    case 'function_definition':
      functionDefinition(node, ctx);
      return;
    case 'class_definition':
      classDefinition(node, ctx);
      return;
    case 'for_statement':
      forStatement(node, ctx);
      return;
    case 'with_statement':
      withStatement(node, ctx);
      return;
    case 'while_statement':
      for (const child of named(node)) {
        if (isStatementLike(child)) statement(child, contextWith(ctx, ctx.scope, ctx.loop, true, ctx.className));
        else expr(child, ctx);
      }
      return;
    case 'return_statement': {
      const value = node.firstNamedChild;
      if (value) ctx.scope.returns = append(ctx.scope.returns, expr(value, ctx));
      return;
    }
    case 'import_statement':
    case 'import_from_statement':
    case 'future_import_statement':
    case 'pass_statement':
    case 'break_statement':
    case 'continue_statement':
    case 'global_statement':
    case 'nonlocal_statement':
    case 'comment':
      return;
    default:
      for (const child of named(node)) {
        if (isStatementLike(child)) statement(child, ctx);
        else expr(child, ctx);
      }
  }
}

function isStatementLike(node: SyntaxNode): boolean {
  const type = node.type;
  return type === 'block' || type.endsWith('_statement') || type.endsWith('_clause') || type.endsWith('definition') || type === 'case_clause';
}

function expressionStatement(node: SyntaxNode, ctx: LowerContext, statementNode: SyntaxNode): void {
  if (node.type === 'assignment' || node.type === 'augmented_assignment') {
    assignment(node, ctx, statementNode);
    return;
  }
  expr(node, ctx);
}

function assignment(node: SyntaxNode, ctx: LowerContext, statementNode: SyntaxNode): void {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const augmented = node.type === 'augmented_assignment';
  const value = right ? (right.type === 'assignment' ? chained(right, ctx, statementNode) : expr(right, ctx)) : undefined;
  if (!left) return;
  const slot = !augmented && value ? slotPath(left) : undefined;
  if (slot) {
    bind(ctx, { name: slot.root, kind: 'set', at: statementNode.startIndex, end: statementNode.endIndex, value, path: slot.path });
    return;
  }
  for (const name of targetNames(left)) {
    const simple = left.type === 'identifier';
    bind(ctx, {
      name,
      kind: augmented ? 'augment' : 'assign',
      at: statementNode.startIndex,
      end: statementNode.endIndex,
      // An unpacked name is a part of the value: per-request when the value is.
      value: simple ? value : value ? { kind: 'index', start: value.start, end: value.end, object: value, index: { kind: 'opaque', start: value.start, end: value.end, what: 'unpacking' } } : undefined,
    });
  }
}

/** `x["k"][-1]["cache_control"]` or `block.cache_control` as a variable and a path; undefined for other targets. */
function slotPath(node: SyntaxNode): { root: string; path: (string | number)[] } | undefined {
  const path: (string | number)[] = [];
  let current: SyntaxNode | null = node;
  while (current && (current.type === 'subscript' || current.type === 'attribute')) {
    if (current.type === 'attribute') {
      const attribute = current.childForFieldName('attribute');
      if (!attribute) return undefined;
      path.unshift(attribute.text);
      current = current.childForFieldName('object');
    } else {
      const index = current.childForFieldName('subscript');
      const key = index ? literalKey(index) : undefined;
      if (key === undefined) return undefined;
      path.unshift(key);
      current = current.childForFieldName('value');
    }
  }
  if (!current || current.type !== 'identifier' || path.length === 0 || current.text === 'self' || current.text === 'cls') return undefined;
  return { root: current.text, path };
}

function literalKey(node: SyntaxNode): string | number | undefined {
  if (node.type === 'integer') return Number(node.text);
  if (node.type === 'unary_operator' && node.text.startsWith('-') && node.lastNamedChild?.type === 'integer') return -Number(node.lastNamedChild.text);
  if (node.type === 'string') {
    const content = node.namedChildren.filter((child) => child?.type === 'string_content');
    if (node.namedChildren.some((child) => child?.type === 'interpolation')) return undefined;
    return content.map((child) => child?.text ?? '').join('');
  }
  return undefined;
}

function chained(node: SyntaxNode, ctx: LowerContext, statementNode: SyntaxNode): Expr | undefined {
  assignment(node, ctx, statementNode);
  let right: SyntaxNode | null = node.childForFieldName('right');
  while (right && right.type === 'assignment') right = right.childForFieldName('right');
  return right ? expr(right, contextWith(ctx, ctx.scope, ctx.loop, ctx.repeated, ctx.className)) : undefined;
}

function targetNames(node: SyntaxNode): string[] {
  if (node.type === 'identifier') return [node.text];
  if (node.type === 'pattern_list' || node.type === 'tuple_pattern' || node.type === 'list_pattern' || node.type === 'tuple' || node.type === 'list') {
    return named(node).flatMap(targetNames);
  }
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute');
    if (object?.type === 'identifier' && (object.text === 'self' || object.text === 'cls') && attribute) return [`self.${attribute.text}`];
  }
  return [];
}

function parameterNames(node: SyntaxNode | null): string[] {
  if (!node) return [];
  let names: string[] = emptyList();
  for (const child of named(node)) {
    const name = child.type === 'identifier' ? child : (child.childForFieldName('name') ?? child.namedChildren.find((c) => c?.type === 'identifier') ?? null);
    if (name?.type !== 'identifier') continue;
    const text = name.text;
    if (text !== 'self' && text !== 'cls') names = append(names, text);
  }
  return compact(names);
}

function functionDefinition(node: SyntaxNode, ctx: LowerContext): void {
  const name = node.childForFieldName('name')?.text ?? '<anonymous>';
  const body = node.childForFieldName('body');
  // A function named like a prompt (`build_system_prompt`) may return one without any of the words.
  const lowered = body !== null && (mentionsRequestWords(ctx.text, body.startIndex, body.endIndex) || PROMPT_NAME.test(name));
  const scope = newScope(ctx, name, node, parameterNames(node.childForFieldName('parameters')), lowered);
  bind(ctx, { name, kind: 'function', at: node.startIndex, end: node.endIndex, value: { kind: 'func', start: node.startIndex, end: node.endIndex, scope } });
  if (ctx.scope.name === '<module>') ctx.facts.functions = append(ctx.facts.functions, scope);
  if (body && lowered) statement(body, contextWith(ctx, scope, undefined, false, undefined));
  compactScope(scope);
}

function classDefinition(node: SyntaxNode, ctx: LowerContext): void {
  const className = node.childForFieldName('name')?.text ?? '<class>';
  const body = node.childForFieldName('body');
  if (!body) return;
  const inner = contextWith(ctx, ctx.scope, ctx.loop, ctx.repeated, className);
  for (const member of named(body)) {
    if (member.type === 'expression_statement' || mentionsRequestWords(ctx.text, member.startIndex, member.endIndex)) statement(member, inner);
    else if (member.type === 'function_definition' || member.type === 'decorated_definition') {
      const definition = member.type === 'decorated_definition' ? member.childForFieldName('definition') : member;
      const name = definition?.childForFieldName('name')?.text;
      if (definition && name) ctx.facts.functions = append(ctx.facts.functions, newScope(inner, name, definition, parameterNames(definition.childForFieldName('parameters')), false));
    }
  }
}

function forStatement(node: SyntaxNode, ctx: LowerContext): void {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const iter = right ? expr(right, ctx) : undefined;
  const inFunction = iter && ctx.scope.name !== '<module>';
  for (const name of left ? targetNames(left) : []) bind(ctx, { name, kind: 'loop-var', at: node.startIndex, end: node.endIndex, ...(inFunction ? { iter } : {}) });
  const loopCtx = contextWith(ctx, ctx.scope, { start: node.startIndex, end: node.endIndex }, ctx.repeated, ctx.className);
  const body = node.childForFieldName('body');
  if (body) statement(body, loopCtx);
  const alternative = node.childForFieldName('alternative');
  if (alternative) statement(alternative, ctx);
}

/**
 * `with open("prompts/x.md") as f:` binds `f` to the opened value, so that `f.read()` in the body
 * can be traced back to the file it reads; the body is lowered as usual.
 */
function withStatement(node: SyntaxNode, ctx: LowerContext): void {
  for (const child of named(node)) {
    if (child.type !== 'with_clause') {
      statement(child, ctx);
      continue;
    }
    for (const item of named(child)) {
      const value = item.type === 'with_item' ? item.childForFieldName('value') : null;
      if (!value) continue;
      const alias = value.type === 'as_pattern' ? value.childForFieldName('alias') : null;
      const source = alias ? value.firstNamedChild : value;
      const lowered = source ? expr(source, ctx) : undefined;
      const target = alias?.firstNamedChild;
      for (const name of target ? targetNames(target) : []) bind(ctx, { name, kind: 'assign', at: item.startIndex, end: item.endIndex, value: lowered });
    }
  }
}

/** Lowers an expression; SDK calls met on the way are registered as call sites. */
function expr(node: SyntaxNode, ctx: LowerContext): Expr {
  if (ctx.depth > MAX_DEPTH) return opaque(node, 'deeply nested expression');
  ctx.depth++;
  try {
    return lowerExpr(node, ctx);
  } finally {
    ctx.depth--;
  }
}

function lowerExpr(node: SyntaxNode, ctx: LowerContext): Expr {
  const start = node.startIndex;
  const end = node.endIndex;
  switch (node.type) {
    case 'string':
      return stringExpr(node, ctx);
    case 'concatenated_string': {
      let parts: StrPart[] = emptyList();
      let template = false;
      for (const piece of named(node)) {
        const lowered = stringExpr(piece, ctx);
        if (lowered.kind === 'str') {
          for (const part of lowered.parts) parts = append(parts, part);
          template ||= lowered.template;
        }
      }
      return { kind: 'str', start, end, parts: compact(parts), multiline: spansLines(node, ctx.text), template };
    }
    case 'integer':
    case 'float':
      return { kind: 'num', start, end };
    case 'true':
    case 'false':
      return { kind: 'bool', start, end };
    case 'none':
      return { kind: 'null', start, end };
    case 'identifier':
      return { kind: 'ref', start, end, name: node.text };
    case 'parenthesized_expression':
    case 'await': {
      const inner = node.firstNamedChild;
      return inner ? expr(inner, ctx) : opaque(node, 'empty');
    }
    case 'list':
    case 'tuple':
    case 'set':
    case 'expression_list': {
      let items: Expr[] = emptyList();
      for (const child of named(node)) if (child.type !== 'comment') items = append(items, expr(child, ctx));
      return { kind: 'list', start, end, items: compact(items), open: items.some((item) => item.kind === 'spread'), isSet: node.type === 'set' };
    }
    case 'list_splat':
    case 'dictionary_splat': {
      const inner = node.firstNamedChild;
      return { kind: 'spread', start, end, value: inner ? expr(inner, ctx) : opaque(node, 'splat') };
    }
    case 'dictionary':
      return dictionary(node, ctx);
    case 'list_comprehension':
    case 'generator_expression':
    case 'set_comprehension':
    case 'dictionary_comprehension':
      return comprehension(node, ctx);
    case 'attribute': {
      const object = node.childForFieldName('object');
      const attribute = node.childForFieldName('attribute');
      return { kind: 'member', start, end, object: object ? expr(object, ctx) : opaque(node, 'attribute'), property: attribute?.text ?? '' };
    }
    case 'subscript': {
      const object = node.childForFieldName('value');
      const index = node.childForFieldName('subscript');
      return { kind: 'index', start, end, object: object ? expr(object, ctx) : opaque(node, 'subscript'), index: index ? expr(index, ctx) : opaque(node, 'subscript') };
    }
    case 'call':
      return call(node, ctx);
    case 'binary_operator': {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      const operator = node.childForFieldName('operator')?.type;
      const l = left ? expr(left, ctx) : opaque(node, 'operand');
      const r = right ? expr(right, ctx) : opaque(node, 'operand');
      if (operator === '+') return { kind: 'concat', start, end, left: l, right: r };
      if (operator === '%' && l.kind === 'str') {
        return { kind: 'str', start, end, parts: [...l.parts, { expr: r, start: r.start, end: r.end, open: '', close: '' }], multiline: l.multiline, template: true };
      }
      return { kind: 'opaque', start, end, what: 'arithmetic' };
    }
    case 'conditional_expression': {
      const options = named(node).map((child) => expr(child, ctx));
      // `a if cond else b`: the middle child is the condition.
      return { kind: 'choice', start, end, options: options.length === 3 ? [options[0], options[2]] : options };
    }
    case 'boolean_operator': {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      return { kind: 'choice', start, end, options: [left ? expr(left, ctx) : opaque(node, 'operand'), right ? expr(right, ctx) : opaque(node, 'operand')] };
    }
    case 'named_expression': {
      const value = node.childForFieldName('value');
      return value ? expr(value, ctx) : opaque(node, 'walrus');
    }
    case 'lambda': {
      const scope = newScope(ctx, '<lambda>', node, parameterNames(node.childForFieldName('parameters')));
      const body = node.childForFieldName('body');
      if (body) scope.returns = append(scope.returns, expr(body, contextWith(ctx, scope, undefined, ctx.repeated, ctx.className)));
      return { kind: 'func', start, end, scope };
    }
    case 'comment':
      return opaque(node, 'comment');
    default:
      for (const child of named(node)) expr(child, ctx);
      return opaque(node, node.type);
  }
}

function stringExpr(node: SyntaxNode, ctx: LowerContext): Expr {
  const text = ctx.text;
  // Most strings are one piece of content: it is kept alone and a list made only for a second piece.
  let first: StrPart | undefined;
  let parts: StrPart[] | undefined;
  // The delimiters are read from the source only when an interpolation records them.
  let openNode: SyntaxNode | undefined;
  let open: string | undefined;
  let close = '"';
  let template = false;
  let interpolated = false;
  for (const child of node.children) {
    if (!child) continue;
    let part: StrPart;
    switch (child.type) {
      case 'string_start':
        openNode = child;
        template = hasPrefix(child, text);
        continue;
      case 'string_end':
        close = child.text;
        continue;
      case 'string_content':
      case 'escape_sequence':
        part = { text: child.text };
        break;
      case 'interpolation': {
        const inner = child.childForFieldName('expression');
        let lowered = inner ? expr(inner, ctx) : opaque(child, 'interpolation');
        // A format specifier starts with `:`; without one in the source there is none to look up (two reads of the tree spared).
        const spec = hasColon(child, text) ? (child.childForFieldName('format_specifier') ?? child.namedChildren.find((candidate) => candidate?.type === 'format_specifier') ?? null) : null;
        // `{when:%Y-%m-%d}` formats like `when.strftime("%Y-%m-%d")`: the format decides the resolution.
        if (spec && inner) lowered = formatted(lowered, spec);
        open ??= openNode ? openNode.text : '"';
        part = { expr: lowered, start: child.startIndex, end: child.endIndex, open, close };
        interpolated = true;
        break;
      }
      default:
        continue;
    }
    if (first === undefined) first = part;
    else (parts ??= [first]).push(part);
  }
  // Interpolations record the literal's delimiters, known only once string_end is read.
  if (interpolated) for (const part of parts ?? [first as StrPart]) if ('expr' in part) part.close = close;
  const list = parts ? compact(parts) : first ? [first] : emptyList<StrPart>();
  return { kind: 'str', start: node.startIndex, end: node.endIndex, parts: list, multiline: spansLines(node, text), template };
}


/** True when a string's opening token (`f"`, `rb'''`, `t"`) carries an f or t prefix: its braces interpolate. */
function hasPrefix(start: SyntaxNode, text: string): boolean {
  const end = start.endIndex;
  for (let at = start.startIndex; at < end; at++) {
    const code = text.charCodeAt(at);
    if (code === 102 || code === 70 || code === 116 || code === 84) return true;
  }
  return false;
}

function hasColon(node: SyntaxNode, text: string): boolean {
  // A scan of the node only: indexOf from its start could run on to the end of the file.
  const end = node.endIndex;
  for (let at = node.startIndex; at < end; at++) if (text.charCodeAt(at) === 58) return true;
  return false;
}

function formatted(value: Expr, spec: SyntaxNode): Expr {
  const text = spec.text.replace(/^:/, '');
  const format: Expr = { kind: 'str', start: spec.startIndex, end: spec.endIndex, parts: [{ text }], multiline: false, template: false };
  return { kind: 'call', start: value.start, end: value.end, callee: '<format>.strftime', calleeExpr: { kind: 'member', start: value.start, end: value.end, object: value, property: 'strftime' }, args: [format], kwargs: [], argsClose: value.end, isNew: false };
}

function dictionary(node: SyntaxNode, ctx: LowerContext): Expr {
  let entries: DictEntry[] = emptyList();
  let open = false;
  for (const child of named(node)) {
    if (child.type === 'pair') {
      const keyNode = child.childForFieldName('key');
      const valueNode = child.childForFieldName('value');
      const key = keyNode ? expr(keyNode, ctx) : undefined;
      entries = append(entries, {
        key: key && key.kind === 'str' ? plainText(key.parts) : undefined,
        start: child.startIndex,
        end: child.endIndex,
        value: valueNode ? expr(valueNode, ctx) : opaque(child, 'value'),
      });
    } else if (child.type === 'dictionary_splat') {
      open = true;
      const inner = child.firstNamedChild;
      entries = append(entries, { start: child.startIndex, end: child.endIndex, value: { kind: 'spread', start: child.startIndex, end: child.endIndex, value: inner ? expr(inner, ctx) : opaque(child, 'splat') } });
    }
  }
  return { kind: 'dict', start: node.startIndex, end: node.endIndex, entries: compact(entries), open, closeOffset: node.endIndex - 1 };
}

/** The text of string parts that hold no interpolation (a lone part's own text), else undefined. */
function plainText(parts: StrPart[]): string | undefined {
  if (parts.length === 1) return 'text' in parts[0] ? parts[0].text : undefined;
  return parts.every((part) => 'text' in part) ? parts.map((part) => ('text' in part ? part.text : '')).join('') : undefined;
}

function comprehension(node: SyntaxNode, ctx: LowerContext): Expr {
  const vars: string[] = [];
  let iter: Expr = opaque(node, 'iterable');
  for (const clause of named(node)) {
    if (clause.type !== 'for_in_clause') continue;
    const left = clause.childForFieldName('left');
    const right = clause.childForFieldName('right');
    if (left) vars.push(...targetNames(left));
    if (right) iter = expr(right, ctx);
  }
  for (const name of vars) bind(ctx, { name, kind: 'loop-var', at: node.startIndex, end: node.endIndex });
  const bodyNode = node.childForFieldName('body');
  const loopCtx = contextWith(ctx, ctx.scope, { start: node.startIndex, end: node.endIndex }, ctx.repeated, ctx.className);
  const body = bodyNode ? expr(bodyNode, loopCtx) : opaque(node, 'comprehension');
  return { kind: 'comp', start: node.startIndex, end: node.endIndex, body, vars, iter };
}

function dottedName(node: SyntaxNode): string {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute');
    return `${object ? dottedName(object) : ''}.${attribute?.text ?? ''}`;
  }
  if (node.type === 'call') return '<call>';
  return `<${node.type}>`;
}

function call(node: SyntaxNode, ctx: LowerContext): Expr {
  const fn = node.childForFieldName('function');
  const argsNode = node.childForFieldName('arguments');
  const calleeExpr = fn ? expr(fn, ctx) : opaque(node, 'callee');
  let args: Expr[] = emptyList();
  let kwargs: Kwarg[] = emptyList();
  if (argsNode) {
    if (argsNode.type === 'generator_expression') args = append(args, expr(argsNode, ctx));
    else {
      for (const arg of named(argsNode)) {
        if (arg.type === 'keyword_argument') {
          const name = arg.childForFieldName('name')?.text ?? '';
          const value = arg.childForFieldName('value');
          kwargs = append(kwargs, { name, start: arg.startIndex, end: arg.endIndex, value: value ? expr(value, ctx) : opaque(arg, 'value') });
        } else if (arg.type !== 'comment') {
          args = append(args, expr(arg, ctx));
        }
      }
    }
  }
  const lowered: Extract<Expr, { kind: 'call' }> = {
    kind: 'call',
    start: node.startIndex,
    end: node.endIndex,
    callee: fn ? dottedName(fn) : '',
    calleeExpr,
    args: compact(args),
    kwargs: compact(kwargs),
    argsClose: argsNode ? argsNode.endIndex - 1 : node.endIndex,
    isNew: false,
  };
  noteCall(ctx, lowered);
  return lowered;
}
