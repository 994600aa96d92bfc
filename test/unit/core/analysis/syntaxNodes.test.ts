import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from '@vscode/tree-sitter-wasm';
import { type LoadedRuntime, defaultWasmDir, loadRuntime } from '../../../../src/core/analysis/runtime';
import { type SyntaxNode, syntaxNode, withSyntaxNode } from '../../../../src/core/analysis/syntaxNodes';
import type { SourceLanguage } from '../../../../src/core/analysis/types';
import { FIXTURES, languageOf } from './support';

function fixtureFiles(dir = FIXTURES): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return fixtureFiles(full);
    return /\.(py|[cm]?[jt]sx?)$/.test(entry.name) ? [full] : [];
  });
}

/** Where two nodes disagree, or undefined. Compares everything the lowerers read, then the children, recursively. */
function difference(expected: Node, actual: SyntaxNode, fields: string[], where = 'root'): string | undefined {
  const brief = (node: SyntaxNode | null): string => (node ? `${node.type}@${node.startIndex}-${node.endIndex}` : 'null');
  if (brief(expected) !== brief(actual)) return `${where}: ${brief(expected)} read as ${brief(actual)}`;
  if (expected.text !== actual.text) return `${where}: text differs`;
  if (brief(expected.firstNamedChild) !== brief(actual.firstNamedChild)) return `${where}: first named child`;
  if (brief(expected.lastNamedChild) !== brief(actual.lastNamedChild)) return `${where}: last named child`;
  for (const field of fields) {
    if (brief(expected.childForFieldName(field)) !== brief(actual.childForFieldName(field))) return `${where}: field ${field}`;
  }
  if (expected.namedChildren.map(brief).join() !== actual.namedChildren.map(brief).join()) return `${where}: named children`;
  const children = expected.children;
  if (children.length !== actual.children.length) return `${where}: ${children.length} children read as ${actual.children.length}`;
  for (let index = 0; index < children.length; index++) {
    const child = children[index];
    const found = child ? difference(child, actual.children[index] as SyntaxNode, fields, `${where} > ${child.type}[${index}]`) : undefined;
    if (found) return found;
  }
  return undefined;
}

describe('syntax nodes read straight from the tree-sitter heap (syntaxNodes.ts)', function () {
  this.timeout(120_000);
  let runtime: LoadedRuntime;

  before(async () => {
    runtime = await loadRuntime(defaultWasmDir());
  });

  function parse(text: string, language: SourceLanguage): { root: Node; done: () => void } {
    const parser = new runtime.ts.Parser();
    parser.setLanguage(runtime.languages.get(language) ?? null);
    const tree = parser.parse(text);
    assert.ok(tree);
    return {
      root: tree.rootNode,
      done: () => {
        tree.delete();
        parser.delete();
      },
    };
  }

  it('reads every node of every analysis fixture as the public API does: type, span, text, fields, children', () => {
    const files = fixtureFiles();
    assert.ok(files.length > 50, `only ${files.length} fixtures found`);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const { root, done } = parse(text, languageOf(file));
      try {
        const fields = root.tree.language.fields.filter((name): name is string => name !== null);
        for (const statement of root.children) {
          if (!statement) continue;
          const raw = syntaxNode(statement, text);
          // Not the public node handed back: the reader is in use (else this test compares a node with itself).
          assert.notEqual(raw, statement, `${file}: the public node was returned`);
          const found = difference(statement, raw, fields);
          assert.equal(found, undefined, `${path.relative(FIXTURES, file)}: ${found}`);
        }
      } finally {
        done();
      }
    }
  });

  it('keeps reading right after the WASM memory grows (a large file parsed after the reader was made)', () => {
    const small = 'x = 1\n';
    const first = parse(small, 'python');
    const before = syntaxNode(first.root.children[0] as Node, small);
    assert.equal(before.type, 'expression_statement');
    first.done();
    // ~4 MB of source: its tree needs more than the runtime's initial 32 MB heap.
    const large = Array.from({ length: 60_000 }, (_, index) => `value_${index} = {"key": [${index}, "text ${index}"], "other": call_${index}(a, b)}\n`).join('');
    const { root, done } = parse(large, 'python');
    try {
      const fields = root.tree.language.fields.filter((name): name is string => name !== null);
      const statements = root.children;
      for (const index of [0, 1, 30_000, statements.length - 1]) {
        const statement = statements[index] as Node;
        assert.equal(difference(statement, syntaxNode(statement, large), fields), undefined);
      }
    } finally {
      done();
    }
  });

  it('hands back the public node when the runtime behind it was never registered (another copy of tree-sitter.js)', () => {
    // A node of an unknown runtime: its class is not the registered one, so no reader is made for it.
    const foreign = { tree: { language: { types: [], fields: [] } }, type: 'program' } as unknown as Node;
    assert.equal(syntaxNode(foreign, ''), foreign);
    assert.equal(withSyntaxNode(foreign, '', (node) => node), foreign);
  });

  it('recycles the nodes of a lowering once it returns: a node kept past it is reset (lowerers must keep none)', () => {
    const text = 'x = {"a": [1, 2]}\n';
    const { root, done } = parse(text, 'python');
    try {
      let kept: SyntaxNode | undefined;
      const type = withSyntaxNode(root.children[0] as Node, text, (node) => {
        kept = node.namedChildren[0] ?? undefined;
        return node.type;
      });
      assert.equal(type, 'expression_statement');
      assert.ok(kept);
      assert.throws(() => kept?.endIndex);
    } finally {
      done();
    }
  });
});
