import { endianness } from 'node:os';
import type { Node } from '@vscode/tree-sitter-wasm';

/**
 * The parts of a tree-sitter node the lowerers read. A tree-sitter `Node` is one; so is the
 * cheaper `RawNode` below, which the lowerers get instead whenever the runtime allows it.
 */
export interface SyntaxNode {
  readonly type: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly text: string;
  readonly children: readonly (SyntaxNode | null)[];
  readonly namedChildren: readonly (SyntaxNode | null)[];
  readonly firstNamedChild: SyntaxNode | null;
  readonly lastNamedChild: SyntaxNode | null;
  childForFieldName(fieldName: string): SyntaxNode | null;
}

/**
 * Why this exists: the public `Node` of web-tree-sitter costs about half a microsecond per
 * property read (a class instance with field initialisers per node, and five generic
 * `setValue`/`getValue` calls per crossing into WASM), which made lowering cost half a parse.
 * `RawNode` makes the same calls into the same WASM exports, with the node's five words written
 * and read through the heap directly, and keeps what it read (type, end, children), so each node
 * costs a few crossings and one small object.
 *
 * It relies on how web-tree-sitter passes nodes to its WASM side (the transfer buffer returned by
 * `ts_init`, five 32-bit words per node) and on Emscripten filling the options object given to
 * `Parser.init` with the module's exports. Both are checked against the public API on the first
 * node lowered (see `check`); if anything differs, or the module was never registered, the
 * lowerers get the public nodes and nothing else changes.
 */

/** The Emscripten module of the tree-sitter runtime: its exports and heap (see registerTreeSitterModule). */
interface WasmModule {
  HEAP32: Int32Array;
  _ts_init(): number;
  _free(address: number): void;
  _ts_node_symbol_wasm(tree: number): number;
  _ts_node_end_index_wasm(tree: number): number;
  _ts_node_child_by_field_id_wasm(tree: number, fieldId: number): void;
  _ts_node_children_wasm(tree: number): void;
  _ts_node_named_children_wasm(tree: number): void;
  _ts_node_named_child_wasm(tree: number, index: number): void;
  _ts_node_named_child_count_wasm(tree: number): number;
  _ts_node_has_error_wasm(tree: number): number;
}

const EXPORTS = [
  '_ts_init',
  '_free',
  '_ts_node_symbol_wasm',
  '_ts_node_end_index_wasm',
  '_ts_node_child_by_field_id_wasm',
  '_ts_node_children_wasm',
  '_ts_node_named_children_wasm',
  '_ts_node_named_child_wasm',
  '_ts_node_named_child_count_wasm',
  '_ts_node_has_error_wasm',
] as const;

/** Registered modules, by the runtime's `Node` class (one per loaded copy of tree-sitter.js). */
const modules = new WeakMap<object, WasmModule>();
/** Readers by tree-sitter `Language`, once checked; `null` when the check failed (public nodes then). */
const readers = new WeakMap<object, Reader | null>();

/**
 * Records the module behind a tree-sitter runtime: `moduleOptions` is the object passed to
 * `Parser.init`, which Emscripten turns into the module. Only the first initialisation fills it
 * (later ones reuse the module), so an options object without the exports is ignored.
 */
export function registerTreeSitterModule(nodeClass: object, moduleOptions: object): void {
  if (modules.has(nodeClass)) return;
  const candidate = moduleOptions as Partial<Record<(typeof EXPORTS)[number], unknown>> & { HEAP32?: unknown };
  if (!(candidate.HEAP32 instanceof Int32Array) || EXPORTS.some((name) => typeof candidate[name] !== 'function')) return;
  modules.set(nodeClass, moduleOptions as WasmModule);
}

/** The node to lower: a RawNode over the same tree node when the runtime allows it, else `node` itself. */
export function syntaxNode(node: Node, text: string): SyntaxNode {
  const reader = readerFor(node, text);
  return reader ? reader.wrap(node, text, false) : node;
}

/**
 * Runs `lower` on the node as syntaxNode gives it; the RawNodes made meanwhile are recycled when
 * it returns (a statement's nodes are garbage once it is lowered: reusing them spares the
 * collector tens of thousands of objects per file). `lower` must not keep a node.
 */
export function withSyntaxNode<T>(node: Node, text: string, lower: (root: SyntaxNode) => T): T {
  const reader = readerFor(node, text);
  if (!reader) return lower(node);
  const mark = reader.arenaMark();
  try {
    return lower(reader.wrap(node, text, true));
  } finally {
    reader.recycle(mark);
  }
}

/**
 * Lowers each child of `root` (a tree's root node) in order, as withSyntaxNode would lower it, and
 * tells `erroneous` of each result whose node holds a syntax error. The children are listed with one
 * call into WASM: a cursor costs a step and a public node per top-level statement.
 */
export function lowerChildren<T>(root: Node, text: string, lower: (node: SyntaxNode) => T, erroneous?: (result: T) => void): T[] {
  const out: T[] = [];
  const reader = readerFor(root, text);
  if (!reader) {
    for (let node = root.firstChild; node; node = node.nextSibling) {
      const result = lower(node);
      if (erroneous && node.hasError) erroneous(result);
      out.push(result);
    }
    return out;
  }
  const mark = reader.arenaMark();
  try {
    for (const child of reader.wrap(root, text, true).children) {
      // Each child's own nodes go back to the arena once it is lowered; the children stay until the end.
      const childMark = reader.arenaMark();
      try {
        const result = lower(child);
        if (erroneous && reader.hasError(child)) erroneous(result);
        out.push(result);
      } finally {
        reader.recycle(childMark);
      }
    }
  } finally {
    reader.recycle(mark);
  }
  return out;
}

/**
 * A node's named children without nulls: a RawNode's lists never hold one, so they are returned as
 * they are without a scan; a public node's may.
 */
export function namedChildrenOf(node: SyntaxNode): readonly SyntaxNode[] {
  if (node instanceof RawNode) return node.namedChildren;
  const children = node.namedChildren;
  return children.includes(null) ? children.filter((child): child is SyntaxNode => child !== null) : (children as readonly SyntaxNode[]);
}

function readerFor(node: Node, text: string): Reader | null {
  const language = node.tree.language;
  let reader = readers.get(language);
  if (reader === undefined) {
    reader = makeReader(node, text);
    readers.set(language, reader);
  }
  return reader;
}

function makeReader(node: Node, text: string): Reader | null {
  const module = modules.get(node.constructor);
  // Typed arrays follow the platform's byte order; the WASM heap is little-endian.
  if (!module || endianness() !== 'LE') return null;
  try {
    // The public reads below call each export once through its Emscripten stub, which then
    // replaces itself with the WASM function; the reader takes the functions after that.
    const expected = publicView(node);
    const reader = new Reader(module, node.tree.language.types, node.tree.language.fields);
    return sameView(expected, publicView(reader.wrap(node, text, false), reader)) ? reader : null;
  } catch {
    return null;
  }
}

/** What the public API says about a node and its children, to compare with the reader. */
interface View {
  type: string;
  start: number;
  end: number;
  text: string;
  children: [string, number, number][];
  named: [string, number, number][];
  firstNamed: number;
  lastNamed: number;
  fields: number[];
  hasError: boolean;
}

function publicView(node: SyntaxNode, reader?: Reader): View {
  const fieldNames = reader ? reader.fieldNames : (node as Node).tree.language.fields;
  const brief = (child: SyntaxNode | null): [string, number, number] => (child ? [child.type, child.startIndex, child.endIndex] : ['', -1, -1]);
  return {
    type: node.type,
    start: node.startIndex,
    end: node.endIndex,
    text: node.text,
    children: node.children.map(brief),
    named: node.namedChildren.map(brief),
    firstNamed: node.firstNamedChild?.startIndex ?? -1,
    lastNamed: node.lastNamedChild?.endIndex ?? -1,
    fields: fieldNames.map((name) => (name ? node.childForFieldName(name)?.startIndex ?? -1 : -1)),
    hasError: reader ? reader.hasError(node as RawNode) : (node as Node).hasError,
  };
}

function sameView(a: View, b: View): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const NODE_WORDS = 5;

/** Nodes kept for reuse at most (a large statement's worth; more are left to the collector). */
const MAX_POOLED = 20_000;

class Reader {
  readonly fieldIds = new Map<string, number>();
  /**
   * The recycled nodes, handed out in order: `arena[0, used)` belong to the lowerings in progress
   * (a stack: a nested one releases its own from its mark), the rest wait for reuse. One array for
   * every lowering, so a statement costs no list of the nodes it was handed.
   */
  private readonly arena: RawNode[] = [];
  private used = 0;
  private readonly transfer: number;
  private heap: Int32Array;
  private readonly symbol: (tree: number) => number;
  private readonly endIndex: (tree: number) => number;
  private readonly childByField: (tree: number, fieldId: number) => void;
  private readonly allChildren: (tree: number) => void;
  private readonly allNamedChildren: (tree: number) => void;
  private readonly namedChild: (tree: number, index: number) => void;
  private readonly namedChildCount: (tree: number) => number;
  private readonly errorInside: (tree: number) => number;
  private readonly free: (address: number) => void;

  constructor(
    private readonly module: WasmModule,
    readonly types: string[],
    readonly fieldNames: (string | null)[],
  ) {
    fieldNames.forEach((name, id) => {
      if (name !== null && !this.fieldIds.has(name)) this.fieldIds.set(name, id);
    });
    this.transfer = module._ts_init() >> 2;
    this.heap = module.HEAP32;
    this.symbol = module._ts_node_symbol_wasm;
    this.endIndex = module._ts_node_end_index_wasm;
    this.childByField = module._ts_node_child_by_field_id_wasm;
    this.allChildren = module._ts_node_children_wasm;
    this.allNamedChildren = module._ts_node_named_children_wasm;
    this.namedChild = module._ts_node_named_child_wasm;
    this.namedChildCount = module._ts_node_named_child_count_wasm;
    this.errorInside = module._ts_node_has_error_wasm;
    this.free = module._free;
  }

  /** `recycled`: the nodes made from this one come from the arena and go back to it (see withSyntaxNode). */
  wrap(node: Node, text: string, recycled: boolean): RawNode {
    // `[0]` holds the WASM address of the tree, and a node's fifth transfer word (internal in the typings).
    const handles = node as unknown as { 0: number; tree: { 0: number } };
    const view: TreeView = { reader: this, tree: handles.tree[0], source: text, recycled };
    return this.make(view, node.id, node.startIndex, node.startPosition.row, node.startPosition.column, handles[0]);
  }

  /** A node from the arena when its view is recycled (a new one when the arena is all in use), else a new one. */
  private make(view: TreeView, id: number, startIndex: number, row: number, column: number, other: number): RawNode {
    if (!view.recycled) return new RawNode(view, id, startIndex, row, column, other);
    const arena = this.arena;
    const at = this.used++;
    if (at < arena.length) return arena[at].reset(view, id, startIndex, row, column, other);
    const node = new RawNode(view, id, startIndex, row, column, other);
    arena.push(node);
    return node;
  }

  /** Where the next lowering's nodes start in the arena. */
  arenaMark(): number {
    return this.used;
  }

  /** Takes back the nodes handed out since `mark` (see withSyntaxNode): reading one now fails at once. */
  recycle(mark: number): void {
    const arena = this.arena;
    for (let index = mark; index < this.used; index++) arena[index].reset(RECYCLED, 0, 0, 0, 0, 0);
    this.used = mark;
    if (mark === 0 && arena.length > MAX_POOLED) arena.length = MAX_POOLED;
  }

  /** The heap, again after a call that may have grown memory (growing detaches the old view). */
  private words(): Int32Array {
    if (this.heap.length === 0) this.heap = this.module.HEAP32;
    return this.heap;
  }

  private put(node: RawNode): void {
    const heap = this.words();
    const at = this.transfer;
    heap[at] = node.id;
    heap[at + 1] = node.startIndex;
    heap[at + 2] = node.row;
    heap[at + 3] = node.column;
    heap[at + 4] = node.other;
  }

  /** The node the last call left in the transfer buffer (or at `address`), or null. */
  private take(parent: RawNode, address = this.transfer): RawNode | null {
    const heap = this.words();
    const id = heap[address];
    if (id === 0) return null;
    return this.make(parent.view, id, heap[address + 1], heap[address + 2], heap[address + 3], heap[address + 4]);
  }

  typeOf(node: RawNode): string {
    this.put(node);
    return this.types[this.symbol(node.view.tree)] || 'ERROR';
  }

  /** True when the node holds a syntax error (an ERROR or missing node) anywhere inside. */
  hasError(node: RawNode): boolean {
    this.put(node);
    return this.errorInside(node.view.tree) === 1;
  }

  endOf(node: RawNode): number {
    this.put(node);
    return this.endIndex(node.view.tree);
  }

  field(node: RawNode, name: string): RawNode | null {
    const id = this.fieldIds.get(name);
    if (id === undefined) return null;
    this.put(node);
    this.childByField(node.view.tree, id);
    return this.take(node);
  }

  list(node: RawNode, named: boolean): RawNode[] {
    this.put(node);
    if (named) this.allNamedChildren(node.view.tree);
    else this.allChildren(node.view.tree);
    const heap = this.words();
    const count = heap[this.transfer];
    const buffer = heap[this.transfer + 1];
    const out = new Array<RawNode>(count);
    if (count > 0) {
      for (let index = 0, address = buffer >> 2; index < count; index++, address += NODE_WORDS) out[index] = this.take(node, address) as RawNode;
      this.free(buffer);
    }
    return out;
  }

  namedAt(node: RawNode, last: boolean): RawNode | null {
    this.put(node);
    const index = last ? this.namedChildCount(node.view.tree) - 1 : 0;
    if (last) this.put(node);
    this.namedChild(node.view.tree, index);
    return this.take(node);
  }
}

/** What the nodes of one lowering share: the reader, the tree's WASM address, the source text and whether its nodes are recycled. */
interface TreeView {
  reader: Reader | undefined;
  tree: number;
  source: string;
  recycled: boolean;
}

/** The view of a pooled node: reading it is a bug, and fails at once. */
const RECYCLED: TreeView = { reader: undefined, tree: 0, source: '', recycled: false };

/** A tree node read through `Reader`; what it reads once (type, end, children) it keeps. */
class RawNode implements SyntaxNode {
  private cachedType: string | undefined;
  private cachedEnd = -1;
  private cachedChildren: RawNode[] | undefined;
  private cachedNamed: RawNode[] | undefined;
  /**
   * The last two fields looked up (name and child): a lowerer often reads a field twice (a
   * callee's object and attribute while lowering it, then again for its dotted name), and each
   * lookup walks the node's children inside WASM.
   */
  private fieldName1: string | undefined;
  private fieldNode1: RawNode | null = null;
  private fieldName2: string | undefined;
  private fieldNode2: RawNode | null = null;

  constructor(
    public view: TreeView,
    public id: number,
    public startIndex: number,
    public row: number,
    public column: number,
    public other: number,
  ) {}

  /** Points this (pooled) node at another tree node, forgetting what it read. */
  reset(view: TreeView, id: number, startIndex: number, row: number, column: number, other: number): this {
    this.view = view;
    this.id = id;
    this.startIndex = startIndex;
    this.row = row;
    this.column = column;
    this.other = other;
    this.cachedType = undefined;
    this.cachedEnd = -1;
    this.cachedChildren = undefined;
    this.cachedNamed = undefined;
    this.fieldName1 = this.fieldName2 = undefined;
    this.fieldNode1 = this.fieldNode2 = null;
    return this;
  }

  get type(): string {
    return (this.cachedType ??= (this.view.reader as Reader).typeOf(this));
  }

  get endIndex(): number {
    if (this.cachedEnd < 0) this.cachedEnd = (this.view.reader as Reader).endOf(this);
    return this.cachedEnd;
  }

  get text(): string {
    return this.view.source.slice(this.startIndex, this.endIndex);
  }

  get children(): RawNode[] {
    return (this.cachedChildren ??= (this.view.reader as Reader).list(this, false));
  }

  get namedChildren(): RawNode[] {
    return (this.cachedNamed ??= (this.view.reader as Reader).list(this, true));
  }

  get firstNamedChild(): RawNode | null {
    if (this.cachedNamed) return this.cachedNamed[0] ?? null;
    return (this.view.reader as Reader).namedAt(this, false);
  }

  get lastNamedChild(): RawNode | null {
    if (this.cachedNamed) return this.cachedNamed[this.cachedNamed.length - 1] ?? null;
    return (this.view.reader as Reader).namedAt(this, true);
  }

  childForFieldName(fieldName: string): RawNode | null {
    if (fieldName === this.fieldName1) return this.fieldNode1;
    if (fieldName === this.fieldName2) return this.fieldNode2;
    const child = (this.view.reader as Reader).field(this, fieldName);
    this.fieldName2 = this.fieldName1;
    this.fieldNode2 = this.fieldNode1;
    this.fieldName1 = fieldName;
    this.fieldNode1 = child;
    return child;
  }
}
