import type { Language, Node, TreeCursor } from '@vscode/tree-sitter-wasm';

/**
 * A plain JavaScript copy of the syntax nodes the lowerers read. Every web-tree-sitter `Node`
 * read (`type`, `children`, `childForFieldName`, `text`) crosses into WebAssembly and most build
 * new wrapper objects; copying a statement once with a TreeCursor costs a few crossings per node
 * and everything after that is ordinary property access. Offsets are the tree's indices, which
 * for a tree parsed from a JS string are UTF-16 code units, so `text` slices the source directly.
 */
export interface SyntaxNode {
  readonly type: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly text: string;
  /** Named children, and anonymous ones that fill a field (operators); other punctuation is left out. */
  readonly children: SyntaxNode[];
  readonly namedChildren: SyntaxNode[];
  readonly firstNamedChild: SyntaxNode | null;
  childForFieldName(name: string): SyntaxNode | null;
}

/**
 * Decides whether a node's children may stay uncopied until something reads them (a function
 * body the lowerer will skip). Copying them later gives the same result, only slower.
 */
export type DeferChildren = (parentType: string, field: string | null, start: number, end: number, source: string) => boolean;

/** What copies of one tree share: the source, the grammar's tables and the deferral rule. */
interface CopyContext {
  source: string;
  types: string[];
  fieldIds: Map<string, number>;
  /** Per type id: 0 not seen yet, 1 anonymous, 2 named (a type id is named or not in every tree). */
  named: Uint8Array;
  language: Language;
  defer: DeferChildren;
}

class CopiedNode implements SyntaxNode {
  /** Children copied so far; complete unless `deferred` is set. */
  readonly ownChildren: CopiedNode[] = [];
  /** Set while the children are not copied yet (see DeferChildren). */
  deferred: Node | undefined;
  private named: CopiedNode[] | undefined;

  constructor(
    private readonly ctx: CopyContext,
    readonly type: string,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly fieldId: number,
    readonly isNamed: boolean,
  ) {}

  get text(): string {
    return this.ctx.source.slice(this.startIndex, this.endIndex);
  }

  get children(): SyntaxNode[] {
    return this.copied();
  }

  get namedChildren(): SyntaxNode[] {
    if (!this.named) this.named = this.copied().filter((child) => child.isNamed);
    return this.named;
  }

  get firstNamedChild(): SyntaxNode | null {
    return this.namedChildren[0] ?? null;
  }

  childForFieldName(name: string): SyntaxNode | null {
    const id = this.ctx.fieldIds.get(name) ?? fieldIdOf(this.ctx, name);
    if (id === 0) return null;
    for (const child of this.copied()) if (child.fieldId === id) return child;
    return null;
  }

  /** The children, copied now when they were deferred. */
  private copied(): CopiedNode[] {
    const deferred = this.deferred;
    if (deferred) {
      this.deferred = undefined;
      const cursor = deferred.walk();
      try {
        copyChildren(cursor, this, this.ctx);
      } finally {
        cursor.delete();
      }
    }
    return this.ownChildren;
  }
}

function fieldIdOf(ctx: CopyContext, name: string): number {
  const id = ctx.language.fieldIdForName(name) ?? 0;
  ctx.fieldIds.set(name, id);
  return id;
}

/** Copies trees of one grammar; create one per parse tree (it caches the grammar's tables). */
export class SyntaxCopier {
  private readonly ctx: CopyContext;

  constructor(language: Language, source: string, defer: DeferChildren) {
    this.ctx = { source, types: language.types, fieldIds: new Map(), named: new Uint8Array(65536), language, defer };
  }

  /** Copies the node under `cursor` and its descendants; the cursor ends where it started. */
  copy(cursor: TreeCursor): SyntaxNode {
    const root = readNode(cursor, this.ctx);
    if (root.isNamed) copyChildren(cursor, root, this.ctx);
    return root;
  }
}

/** Whether the node under the cursor is named, cached per type id. */
function isNamedType(cursor: TreeCursor, typeId: number, ctx: CopyContext): boolean {
  let named = ctx.named[typeId];
  if (named === 0) {
    named = cursor.nodeIsNamed ? 2 : 1;
    ctx.named[typeId] = named;
  }
  return named === 2;
}

function readNode(cursor: TreeCursor, ctx: CopyContext): CopiedNode {
  const typeId = cursor.nodeTypeId;
  return new CopiedNode(ctx, ctx.types[typeId] || 'ERROR', cursor.startIndex, cursor.endIndex, cursor.currentFieldId, isNamedType(cursor, typeId, ctx));
}

/**
 * Copies the descendants of `parent`, the node under `cursor`, without recursion (expressions can
 * nest deeper than the stack). The lowerers read named nodes and, of the anonymous ones
 * (punctuation, keywords), only those filling a field (an operator): the others are not copied,
 * and no anonymous node's insides are. Deferred nodes keep a handle to copy their children later.
 */
function copyChildren(cursor: TreeCursor, parent: CopiedNode, ctx: CopyContext): void {
  if (!cursor.gotoFirstChild()) return;
  const ancestors: CopiedNode[] = [parent];
  let current = parent;
  for (;;) {
    const typeId = cursor.nodeTypeId;
    const named = isNamedType(cursor, typeId, ctx);
    const fieldId = cursor.currentFieldId;
    if (named || fieldId !== 0) {
      const node = new CopiedNode(ctx, ctx.types[typeId] || 'ERROR', cursor.startIndex, cursor.endIndex, fieldId, named);
      current.ownChildren.push(node);
      if (named && ctx.defer(current.type, ctx.language.fields[fieldId] ?? null, node.startIndex, node.endIndex, ctx.source)) node.deferred = cursor.currentNode;
      else if (named && cursor.gotoFirstChild()) {
        ancestors.push(node);
        current = node;
        continue;
      }
    }
    while (!cursor.gotoNextSibling()) {
      cursor.gotoParent();
      ancestors.pop();
      if (ancestors.length === 0) return;
      current = ancestors[ancestors.length - 1];
    }
  }
}
