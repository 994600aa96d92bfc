import type { Node } from '@vscode/tree-sitter-wasm';
import { type SyntaxNode, withSyntaxNode } from './syntaxNodes';
import type { DictEntry, Expr, StatementFacts, StrPart } from './ir';
import { PROMPT_NAME } from './promptDiscovery';
import { MAX_DEPTH, append, bind, compact, compactFacts, compactScope, contextWith, type LowerContext, mentionsRequestWords, moduleScope, named, newFacts, newScope, noteCall, opaque, spansLines } from './lowerContext';
import { emptyList } from '../util/emptyList';

/** Lowers one top-level JavaScript / TypeScript (JSX, TSX) statement into facts (see ir.ts). */
export function lowerJsStatement(treeNode: Node, text: string): StatementFacts {
  // The statement's nodes are recycled once it is lowered: nothing below keeps one.
  return withSyntaxNode(treeNode, text, (node) => lowerJsNode(node, text));
}

/** Lowers one top-level JS/TS statement given as the lowerers read nodes (see syntaxNodes.ts). */
export function lowerJsNode(node: SyntaxNode, text: string): StatementFacts {
  const facts = newFacts(node);
  const ctx: LowerContext = { text, facts, scope: moduleScope(node), loop: undefined, repeated: undefined, className: undefined, depth: 0 };
  statement(node, ctx);
  compactScope(ctx.scope);
  return compactFacts(facts);
}

/** Wrappers that only add types or syntax around a value. */
const TRANSPARENT = new Set(['parenthesized_expression', 'await_expression', 'as_expression', 'satisfies_expression', 'non_null_expression', 'type_assertion']);

/** Iteration methods whose callback runs once per element of a collection. */
const ITERATION_METHODS = new Set(['map', 'forEach', 'flatMap', 'filter', 'reduce', 'some', 'every']);

function statement(node: SyntaxNode, ctx: LowerContext): void {
  switch (node.type) {
    case 'expression_statement': {
      const inner = node.firstNamedChild;
      if (inner) expressionStatement(inner, ctx, node);
      return;
    }
    case 'lexical_declaration':
    case 'variable_declaration':
      for (const declarator of named(node)) if (declarator.type === 'variable_declarator') variableDeclarator(declarator, ctx, node);
      return;
    case 'export_statement': {
      // The grammar gives an export either a declaration or a value (`export default <expr>`), never both.
      const declaration = node.childForFieldName('declaration');
      if (declaration) {
        statement(declaration, ctx);
        return;
      }
      const value = node.childForFieldName('value');
      if (value) expr(value, ctx);
      return;
    }
    case 'function_declaration':
    case 'generator_function_declaration':
      functionLike(node, ctx, node.childForFieldName('name')?.text ?? '<anonymous>', true);
      return;
    case 'class_declaration':
    case 'abstract_class_declaration':
    case 'class':
      classBody(node, ctx);
      return;
    case 'for_in_statement':
      forIn(node, ctx);
      return;
    case 'while_statement':
    case 'do_statement':
      for (const child of named(node)) statement(child, contextWith(ctx, ctx.scope, ctx.loop, true, ctx.className));
      return;
    case 'for_statement': {
      for (const field of ['initializer', 'condition', 'increment']) {
        const part = node.childForFieldName(field);
        if (part) statement(part, ctx);
      }
      const body = node.childForFieldName('body');
      if (body) statement(body, contextWith(ctx, ctx.scope, { start: node.startIndex, end: node.endIndex }, ctx.repeated, ctx.className));
      return;
    }
    case 'return_statement': {
      const value = node.firstNamedChild;
      if (value) ctx.scope.returns = append(ctx.scope.returns, expr(value, ctx));
      return;
    }
    case 'import_statement':
    case 'interface_declaration':
    case 'type_alias_declaration':
    case 'enum_declaration':
    case 'ambient_declaration':
    case 'comment':
    case 'empty_statement':
    case 'break_statement':
    case 'continue_statement':
    case 'debugger_statement':
      return;
    default:
      if (isStatementLike(node)) {
        for (const child of named(node)) statement(child, ctx);
      } else {
        expr(node, ctx);
      }
  }
}

function isStatementLike(node: SyntaxNode): boolean {
  const type = node.type;
  return type === 'program' || type === 'statement_block' || type.endsWith('_statement') || type.endsWith('_clause') || type === 'switch_body' || type === 'switch_case' || type === 'switch_default';
}

function expressionStatement(node: SyntaxNode, ctx: LowerContext, statementNode: SyntaxNode): void {
  if (node.type === 'assignment_expression' || node.type === 'augmented_assignment_expression') {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const value = right ? expr(right, ctx) : undefined;
    const slot = left && value && node.type === 'assignment_expression' ? slotPath(left) : undefined;
    if (slot) {
      bind(ctx, { name: slot.root, kind: 'set', at: statementNode.startIndex, end: statementNode.endIndex, value, path: slot.path });
      return;
    }
    const name = left ? assignedName(left) : undefined;
    if (name) {
      bind(ctx, { name, kind: node.type === 'assignment_expression' ? 'assign' : 'augment', at: statementNode.startIndex, end: statementNode.endIndex, value });
    }
    return;
  }
  expr(node, ctx);
}

/** `x.system[0].cache_control` or `msgs[msgs.length - 1]` (not resolvable: undefined) as a variable and a path. */
function slotPath(node: SyntaxNode): { root: string; path: (string | number)[] } | undefined {
  const path: (string | number)[] = [];
  let current: SyntaxNode | null = node;
  while (current && (current.type === 'member_expression' || current.type === 'subscript_expression')) {
    if (current.type === 'member_expression') {
      const property = current.childForFieldName('property');
      if (!property) return undefined;
      path.unshift(property.text);
    } else {
      const index = current.childForFieldName('index');
      if (!index) return undefined;
      if (index.type === 'number') path.unshift(Number(index.text));
      else if (index.type === 'string') path.unshift(named(index).map((child) => child.text).join(''));
      else if (index.type === 'unary_expression' && index.text.startsWith('-')) path.unshift(Number(index.text));
      else return undefined;
    }
    current = current.childForFieldName('object');
  }
  if (!current || current.type !== 'identifier' || path.length === 0) return undefined;
  return { root: current.text, path };
}

function assignedName(node: SyntaxNode): string | undefined {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'member_expression') {
    const object = node.childForFieldName('object');
    const property = node.childForFieldName('property');
    if (object?.type === 'this' && property) return `self.${property.text}`;
  }
  return undefined;
}

function variableDeclarator(node: SyntaxNode, ctx: LowerContext, statementNode: SyntaxNode): void {
  const nameNode = node.childForFieldName('name');
  const valueNode = node.childForFieldName('value');
  if (!nameNode) return;
  if (nameNode.type === 'identifier' && valueNode && isFunctionNode(valueNode)) {
    functionLike(valueNode, ctx, nameNode.text, true);
    return;
  }
  const value = valueNode ? expr(valueNode, ctx) : undefined;
  for (const name of patternNames(nameNode)) {
    bind(ctx, {
      name,
      kind: 'assign',
      at: statementNode.startIndex,
      end: statementNode.endIndex,
      // A destructured name is a part of the value: per-request when the value is.
      value: nameNode.type === 'identifier' ? value : value ? { kind: 'member', start: value.start, end: value.end, object: value, property: name } : undefined,
    });
  }
}

function patternNames(node: SyntaxNode): string[] {
  return addPatternNames(node, emptyList());
}

/** `names` with the names a binding pattern binds added (see append): one list for a whole parameter list. */
function addPatternNames(node: SyntaxNode, names: string[]): string[] {
  const type = node.type;
  if (type === 'identifier' || type === 'shorthand_property_identifier_pattern') return append(names, node.text);
  if (type === 'pair_pattern') {
    const value = node.childForFieldName('value');
    if (value) return addPatternNames(value, names);
  } else if (type === 'assignment_pattern') {
    const left = node.childForFieldName('left');
    return left ? addPatternNames(left, names) : names;
  } else if (type !== 'object_pattern' && type !== 'array_pattern' && type !== 'rest_pattern') {
    return names;
  }
  for (const child of named(node)) names = addPatternNames(child, names);
  return names;
}

function isFunctionNode(node: SyntaxNode): boolean {
  return node.type === 'arrow_function' || node.type === 'function_expression' || node.type === 'function' || node.type === 'generator_function';
}

function parameterNames(node: SyntaxNode): string[] {
  // Only an arrow function has a lone `parameter` (`x => …`); asking other functions costs a scan of their children.
  const single = node.type === 'arrow_function' ? node.childForFieldName('parameter') : null;
  if (single) return patternNames(single);
  const params = node.childForFieldName('parameters');
  if (!params) return [];
  let names: string[] = emptyList();
  for (const param of named(params)) {
    // A plain name is its own pattern (a TypeScript parameter wraps one; asking a name costs a call into WASM).
    names = addPatternNames(param.type === 'identifier' ? param : param.childForFieldName('pattern') ?? param, names);
  }
  return names;
}

/** Lowers a function's body as a new scope; returns the `func` value. */
function functionLike(node: SyntaxNode, ctx: LowerContext, name: string, declare: boolean, iterationCallback = false, loop?: Expr): Expr {
  const body = node.childForFieldName('body');
  // A function named like a prompt (`SYSTEM_PROMPT_GENERIC = () => \`…\``) may return one without any of the words.
  const lowered = body !== null && (mentionsRequestWords(ctx.text, body.startIndex, body.endIndex) || PROMPT_NAME.test(name));
  const scope = newScope(ctx, name, node, parameterNames(node), lowered);
  const value: Expr = { kind: 'func', start: node.startIndex, end: node.endIndex, scope };
  if (declare) {
    bind(ctx, { name, kind: 'function', at: node.startIndex, end: node.endIndex, value });
    if (ctx.scope.name === '<module>') ctx.facts.functions = append(ctx.facts.functions, scope);
  }
  if (body && lowered) {
    const inner = contextWith(ctx, scope, iterationCallback && loop ? { start: loop.start, end: loop.end } : undefined, iterationCallback, undefined);
    if (body.type === 'statement_block') statement(body, inner);
    else scope.returns = append(scope.returns, expr(body, inner));
  }
  compactScope(scope);
  return value;
}

function classBody(node: SyntaxNode, ctx: LowerContext): void {
  const className = node.childForFieldName('name')?.text ?? '<class>';
  const body = node.childForFieldName('body');
  if (!body) return;
  // One context for every member (lowering leaves it as it found it).
  const classCtx = contextWith(ctx, ctx.scope, ctx.loop, ctx.repeated, className);
  for (const member of named(body)) {
    if (member.type === 'method_definition') {
      const name = member.childForFieldName('name')?.text ?? '<method>';
      const scope = functionLike(member, classCtx, name, false);
      if (scope.kind === 'func') ctx.facts.functions = append(ctx.facts.functions, scope.scope);
    } else if (member.type === 'public_field_definition' || member.type === 'field_definition') {
      const nameNode = member.childForFieldName('name') ?? member.childForFieldName('property');
      const valueNode = member.childForFieldName('value');
      if (!nameNode) continue;
      const value = valueNode ? expr(valueNode, classCtx) : undefined;
      bind(classCtx, { name: nameNode.text, kind: 'assign', at: member.startIndex, end: member.endIndex, value });
    }
  }
}

function forIn(node: SyntaxNode, ctx: LowerContext): void {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const iter = right ? expr(right, ctx) : undefined;
  const inFunction = iter && ctx.scope.name !== '<module>';
  for (const name of left ? patternNames(left) : []) bind(ctx, { name, kind: 'loop-var', at: node.startIndex, end: node.endIndex, ...(inFunction ? { iter } : {}) });
  const body = node.childForFieldName('body');
  if (body) statement(body, contextWith(ctx, ctx.scope, { start: node.startIndex, end: node.endIndex }, ctx.repeated, ctx.className));
}

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
  const type = node.type;
  if (TRANSPARENT.has(type)) {
    const inner = node.firstNamedChild;
    return inner ? expr(inner, ctx) : opaque(node, type);
  }
  switch (type) {
    case 'string': {
      let parts: StrPart[] = emptyList();
      for (const child of named(node)) parts = append(parts, { text: child.text });
      return { kind: 'str', start, end, parts: compact(parts), multiline: false, template: false };
    }
    case 'template_string':
      return templateString(node, ctx);
    case 'number':
      return { kind: 'num', start, end };
    case 'true':
    case 'false':
      return { kind: 'bool', start, end };
    case 'null':
    case 'undefined':
      return { kind: 'null', start, end };
    case 'identifier':
      return { kind: 'ref', start, end, name: node.text };
    case 'this':
      return { kind: 'ref', start, end, name: 'this' };
    case 'array': {
      const items = listItems(node, ctx);
      return { kind: 'list', start, end, items, open: items.some((item) => item.kind === 'spread'), isSet: false };
    }
    case 'spread_element': {
      const inner = node.firstNamedChild;
      return { kind: 'spread', start, end, value: inner ? expr(inner, ctx) : opaque(node, 'spread') };
    }
    case 'object':
      return object(node, ctx);
    case 'member_expression': {
      const object = node.childForFieldName('object');
      const property = node.childForFieldName('property');
      return { kind: 'member', start, end, object: object ? expr(object, ctx) : opaque(node, 'object'), property: property?.text ?? '' };
    }
    case 'subscript_expression': {
      const object = node.childForFieldName('object');
      const index = node.childForFieldName('index');
      return { kind: 'index', start, end, object: object ? expr(object, ctx) : opaque(node, 'object'), index: index ? expr(index, ctx) : opaque(node, 'index') };
    }
    case 'call_expression':
    case 'new_expression':
      return call(node, ctx);
    case 'binary_expression': {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      const operator = node.childForFieldName('operator')?.type;
      const l = left ? expr(left, ctx) : opaque(node, 'operand');
      const r = right ? expr(right, ctx) : opaque(node, 'operand');
      if (operator === '+') return { kind: 'concat', start, end, left: l, right: r };
      if (operator === '??' || operator === '||') return { kind: 'choice', start, end, options: [l, r] };
      return { kind: 'opaque', start, end, what: 'arithmetic' };
    }
    case 'ternary_expression': {
      const consequence = node.childForFieldName('consequence');
      const alternative = node.childForFieldName('alternative');
      const condition = node.childForFieldName('condition');
      if (condition) expr(condition, ctx);
      return { kind: 'choice', start, end, options: [consequence ? expr(consequence, ctx) : opaque(node, 'branch'), alternative ? expr(alternative, ctx) : opaque(node, 'branch')] };
    }
    case 'arrow_function':
    case 'function_expression':
    case 'function':
    case 'generator_function':
      return functionLike(node, ctx, '<lambda>', false);
    case 'assignment_expression': {
      const right = node.childForFieldName('right');
      return right ? expr(right, ctx) : opaque(node, type);
    }
    case 'comment':
      return opaque(node, type);
    default:
      for (const child of named(node)) expr(child, ctx);
      return opaque(node, type);
  }
}

function templateString(node: SyntaxNode, ctx: LowerContext): Expr {
  let parts: StrPart[] = emptyList();
  for (const child of named(node)) {
    if (child.type === 'template_substitution') {
      const inner = child.firstNamedChild;
      parts = append(parts, { expr: inner ? expr(inner, ctx) : opaque(child, 'substitution'), start: child.startIndex, end: child.endIndex, open: '`', close: '`' });
    } else {
      parts = append(parts, { text: child.text });
    }
  }
  return { kind: 'str', start: node.startIndex, end: node.endIndex, parts: compact(parts), multiline: spansLines(node, ctx.text), template: true };
}

function propertyKey(node: SyntaxNode): string | undefined {
  if (node.type === 'property_identifier' || node.type === 'identifier' || node.type === 'number') return node.text;
  if (node.type === 'string') return named(node).map((child) => child.text).join('');
  return undefined;
}

function object(node: SyntaxNode, ctx: LowerContext): Expr {
  let entries: DictEntry[] = emptyList();
  let open = false;
  for (const child of named(node)) {
    if (child.type === 'pair') {
      const keyNode = child.childForFieldName('key');
      const valueNode = child.childForFieldName('value');
      entries = append(entries, { key: keyNode ? propertyKey(keyNode) : undefined, start: child.startIndex, end: child.endIndex, value: valueNode ? expr(valueNode, ctx) : opaque(child, 'value') });
    } else if (child.type === 'shorthand_property_identifier') {
      entries = append(entries, { key: child.text, start: child.startIndex, end: child.endIndex, value: { kind: 'ref', start: child.startIndex, end: child.endIndex, name: child.text } });
    } else if (child.type === 'spread_element') {
      open = true;
      entries = append(entries, { start: child.startIndex, end: child.endIndex, value: expr(child, ctx) });
    } else if (child.type === 'method_definition') {
      entries = append(entries, { key: child.childForFieldName('name')?.text, start: child.startIndex, end: child.endIndex, value: functionLike(child, ctx, '<method>', false) });
    }
  }
  return { kind: 'dict', start: node.startIndex, end: node.endIndex, entries: compact(entries), open, closeOffset: node.endIndex - 1 };
}

/** The lowered items of a list literal, comments left out (compacted: see compact). */
function listItems(node: SyntaxNode, ctx: LowerContext): Expr[] {
  let items: Expr[] = emptyList();
  for (const child of named(node)) if (child.type !== 'comment') items = append(items, expr(child, ctx));
  return compact(items);
}

function dottedName(node: SyntaxNode): string {
  if (node.type === 'identifier' || node.type === 'property_identifier') return node.text;
  if (node.type === 'this') return 'this';
  if (node.type === 'member_expression') {
    const object = node.childForFieldName('object');
    const property = node.childForFieldName('property');
    return `${object ? dottedName(object) : ''}.${property?.text ?? ''}`;
  }
  if (TRANSPARENT.has(node.type)) {
    const inner = node.firstNamedChild;
    return inner ? dottedName(inner) : '';
  }
  if (node.type === 'call_expression') return '<call>';
  return `<${node.type}>`;
}

/**
 * `dottedName` of a callee read from its lowered value when that is a chain of names and members
 * (an identifier or `this` lowers to a ref of that name, a member expression to a member, and the
 * wrappers both skip alike), so the callee's nodes are not read twice; undefined for anything else.
 */
function loweredName(value: Expr): string | undefined {
  if (value.kind === 'ref') return value.name;
  if (value.kind !== 'member') return undefined;
  const object = loweredName(value.object);
  return object === undefined ? undefined : `${object}.${value.property}`;
}

function call(node: SyntaxNode, ctx: LowerContext): Expr {
  const isNew = node.type === 'new_expression';
  const fn = node.childForFieldName(isNew ? 'constructor' : 'function');
  const argsNode = node.childForFieldName('arguments');
  const calleeExpr = fn ? expr(fn, ctx) : opaque(node, 'callee');
  const callee = fn ? loweredName(calleeExpr) ?? dottedName(fn) : '';
  const method = callee.slice(callee.lastIndexOf('.') + 1);
  const iterates = ITERATION_METHODS.has(method) && callee.includes('.');
  let args: Expr[] = emptyList();
  if (argsNode && argsNode.type === 'arguments') {
    for (const arg of named(argsNode)) {
      if (arg.type === 'comment') continue;
      if (iterates && isFunctionNode(arg)) args = append(args, functionLike(arg, ctx, '<callback>', false, true, { kind: 'opaque', start: node.startIndex, end: node.endIndex, what: 'loop' }));
      else args = append(args, expr(arg, ctx));
    }
  } else if (argsNode && argsNode.type === 'template_string') {
    args = append(args, expr(argsNode, ctx));
  }
  const lowered: Extract<Expr, { kind: 'call' }> = {
    kind: 'call',
    start: node.startIndex,
    end: node.endIndex,
    callee,
    calleeExpr,
    args: compact(args),
    kwargs: emptyList(),
    argsClose: argsNode ? argsNode.endIndex - 1 : node.endIndex,
    isNew,
  };
  noteCall(ctx, lowered);
  return lowered;
}
