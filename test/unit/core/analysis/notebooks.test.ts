import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../../src/cli/main';
import { cellPosition, notebookProgram, parseNotebook } from '../../../../src/core/analysis/notebook';
import { LineIndex } from '../../../../src/core/analysis/positions';
import { recordingIo } from '../../support/recordingIo';
import { FIXTURES } from './support';

const ROOT = path.join(FIXTURES, '..', '..', '..');
const POLICY = 'test/fixtures/notebooks/policy_cache.ipynb';
const DENO = 'test/fixtures/notebooks/release_notes_deno.ipynb';
const R_KERNEL = 'test/fixtures/notebooks/r_kernel.ipynb';

describe('notebooks as one program', () => {
  it('joins code cells in order, blanks magics and shell lines in place, and maps offsets back to cells', () => {
    const json = JSON.stringify({
      metadata: { kernelspec: { language: 'python' } },
      cells: [
        { cell_type: 'markdown', source: ['# Title'] },
        { cell_type: 'code', source: ['%pip install anthropic\n', 'A = 1\n', 'files = !ls\n', 'B = 2'] },
        { cell_type: 'code', source: '%%bash\necho hi' },
        { cell_type: 'code', source: ['%%time\n', 'C = A + B'] },
      ],
    });
    const notebook = parseNotebook(json);
    assert.ok(!('skippedReason' in notebook));
    assert.equal(notebook.language, 'python');
    const program = notebookProgram(notebook);
    assert.deepEqual(program.cells.map((cell) => cell.index), [1, 2, 3]);
    const lines = program.text.split('\n');
    assert.deepEqual(lines.map((line) => line.trim()), ['', 'A = 1', '', 'B = 2', '', '', '', 'C = A + B']);
    // Blanking keeps every offset: the line lengths are those of the source.
    assert.equal(lines[0].length, '%pip install anthropic'.length);
    const at = program.text.indexOf('C = A');
    assert.deepEqual(cellPosition(program, new LineIndex(program.text), at), { cell: 3, line: 1, column: 0 });
  });

  it('reads Deno and TypeScript kernels as TypeScript and names a kernel it does not read', () => {
    const deno = parseNotebook(fs.readFileSync(path.join(ROOT, DENO), 'utf8'));
    assert.ok(!('skippedReason' in deno) && deno.language === 'typescript');
    const other = parseNotebook(fs.readFileSync(path.join(ROOT, R_KERNEL), 'utf8'));
    assert.match('skippedReason' in other ? other.skippedReason : '', /kernel language "R"/);
    assert.match((parseNotebook('{"cells": 3}') as { skippedReason: string }).skippedReason, /no "cells" list/);
  });
});

describe('batchlens lint and cost on notebooks', () => {
  it('reports a finding of a later cell at its cell and line, resolving a constant of an earlier cell, and exits 1', async () => {
    const io = recordingIo(ROOT);
    assert.equal(await runCli(['lint', POLICY], io), 1);
    // The clock reading a later cell passes in reaches the cached block through the parameter `today`.
    assert.match(io.out, /policy_cache\.ipynb#cell5:5:71: warning BL001 .*parameter `today`, which a caller passes `datetime\.now\(\)\.isoformat\(\)`/);
    assert.match(io.out, /in 1 file\.\n$/);
  });

  it('gives the cell index and in-cell line in JSON and a region of the stored JSON line in SARIF', async () => {
    const json = recordingIo(ROOT);
    await runCli(['lint', POLICY, '--format', 'json'], json);
    const finding = JSON.parse(json.out).files[0].findings[0];
    assert.deepEqual({ cell: finding.cell, code: finding.code, line: finding.line, column: finding.column }, { cell: 4, code: 'BL001', line: 5, column: 71 });
    const sarif = recordingIo(ROOT);
    await runCli(['lint', POLICY, '--format', 'sarif'], sarif);
    const location = JSON.parse(sarif.out).runs[0].results[0].locations[0];
    const storedLine = fs.readFileSync(path.join(ROOT, POLICY), 'utf8').split('\n')[location.physicalLocation.region.startLine - 1];
    assert.match(storedLine, /Today is \{today\}/);
    assert.deepEqual(location.properties, { cell: 4, cellRegion: { startLine: 5, startColumn: 71, endLine: 5, endColumn: 76 } });
  });

  it('reports a named file it cannot analyse as skipped, with the reason, instead of "No findings in 0 files"', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchlens-nb-'));
    try {
      fs.writeFileSync(path.join(dir, 'notes.md'), '# notes\n');
      fs.writeFileSync(path.join(dir, 'broken.ipynb'), '{"cells": [');
      const io = recordingIo(dir);
      assert.equal(await runCli(['lint', 'notes.md', 'broken.ipynb', path.join(ROOT, R_KERNEL)], io), 0);
      assert.doesNotMatch(io.out, /No findings in 0 files\.$/m);
      assert.match(io.out, /No findings in 0 files \(3 skipped: notes\.md: not a file the analyzer reads.*broken\.ipynb: not a notebook: invalid JSON.*kernel language "R"/);
      assert.match(io.err, /skipped notes\.md/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists notebook prompts and calls with kind and cell in cost --json', async () => {
    const io = recordingIo(ROOT);
    await runCli(['cost', POLICY, DENO, '--json'], io);
    const files = JSON.parse(io.out).files;
    const rows = files.flatMap((file: { path: string; prompts: { kind: string; name: string; cell: number; line: number; model: string }[] }) => file.prompts.map((prompt) => `${path.basename(file.path)} ${prompt.kind} ${prompt.name} cell${prompt.cell}:${prompt.line} ${prompt.model}`));
    assert.deepEqual(rows, [
      // MODEL and POLICY_PROMPT are defined in cell 3 and resolve in cell 5.
      'policy_cache.ipynb constant POLICY_PROMPT cell2:6 claude-sonnet-4-6',
      'policy_cache.ipynb call messages.create request cell4:2 claude-sonnet-4-6',
      'policy_cache.ipynb constant system (messages.create) cell4:5 claude-sonnet-4-6',
      'release_notes_deno.ipynb constant SYSTEM_PROMPT cell0:3 claude-haiku-4-5-20251001',
      'release_notes_deno.ipynb call messages.create request cell1:1 claude-haiku-4-5-20251001',
      'release_notes_deno.ipynb constant messages[0].content (messages.create) cell1:5 claude-haiku-4-5-20251001',
    ]);
  });
});
