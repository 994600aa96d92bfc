import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { COMMAND_IDS, isCommandId } from '../../../src/host/commandIds';

const ROOT = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { views?: Record<string, { id: string }[]>; commands: { command: string }[]; menus?: Record<string, { command?: string }[]>; keybindings?: { command: string }[]; viewsWelcome?: { contents: string }[] };
};

describe('host/commandIds against package.json', () => {
  it('declares exactly the commands of the table, each once', () => {
    const declared = manifest.contributes.commands.map((command) => command.command);
    assert.equal(new Set(declared).size, declared.length);
    assert.deepEqual([...declared].sort(), [...COMMAND_IDS].sort());
  });

  it('puts only declared commands in menus and keybindings', () => {
    const used = [
      ...Object.values(manifest.contributes.menus ?? {}).flatMap((entries) => entries.flatMap((entry) => (entry.command ? [entry.command] : []))),
      ...(manifest.contributes.keybindings ?? []).map((binding) => binding.command),
    ];
    assert.ok(used.length > 0, 'package.json has menu entries to check');
    const unknown = used.filter((id) => !isCommandId(id));
    assert.deepEqual(unknown, []);
  });

  it('links only declared Batchlens commands from the welcome views', () => {
    const links = (manifest.contributes.viewsWelcome ?? []).flatMap((view) => [...view.contents.matchAll(/command:(batchlens\.[A-Za-z]+)/g)].map((match) => match[1]));
    assert.ok(links.length > 0);
    assert.deepEqual(links.filter((id) => !isCommandId(id)), []);
  });

  it('runs only declared commands (or a view\'s built-in focus command) from the source', () => {
    const views = new Set(Object.values(manifest.contributes.views ?? {}).flatMap((group) => group.map((view) => `${view.id}.focus`)));
    const sourceFiles = (readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[]).filter((file) => file.endsWith('.ts'));
    const used = sourceFiles.flatMap((file) => {
      const text = readFileSync(path.join(ROOT, 'src', file), 'utf8');
      return [...text.matchAll(/(?:command: |executeCommand\()'(batchlens\.[A-Za-z.]+)'/g)].map((match) => `${match[1]} (${file})`);
    });
    assert.ok(used.length > 0, 'the source runs commands by id');
    assert.deepEqual(used.filter((entry) => { const id = entry.split(' ')[0]!; return !isCommandId(id) && !views.has(id); }), []);
  });
});
