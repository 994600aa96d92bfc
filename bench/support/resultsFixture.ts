/**
 * A generated Message Batches results file (JSONL) shaped like the API's: ~1 KB per row, 97% succeeded
 * rows with a short summary and full `usage`, the rest errored / expired, plus the manifest that maps
 * each custom_id back to a source path.
 */
import * as fs from 'node:fs';
import type { ManifestEntry } from '../../src/core/jobs/jobModel';

export const RESULTS_MODEL = 'claude-sonnet-4-6';

export function relativePathOf(row: number): string {
  return `pkg-${String(Math.floor(row / 1000)).padStart(2, '0')}/src/mod-${Math.floor(row / 100) % 10}/file-${String(row % 100).padStart(3, '0')}.ts`;
}

export function customIdOf(row: number): string {
  return `file-${row}_${(row * 2654435761 >>> 0).toString(16).padStart(12, '0')}`;
}

export function manifestOf(rows: number): ManifestEntry[] {
  return Array.from({ length: rows }, (_, row) => ({
    customId: customIdOf(row),
    relativePath: relativePathOf(row),
    contentSha256: '0'.repeat(64),
    bytes: 2048,
    estimatedInputTokens: 700,
  }));
}

function resultLine(row: number): string {
  if (row % 50 === 7) {
    return JSON.stringify({
      custom_id: customIdOf(row),
      result: { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
    });
  }
  if (row % 100 === 13) return JSON.stringify({ custom_id: customIdOf(row), result: { type: 'expired' } });
  const text =
    `${relativePathOf(row)} parses key=value records and totals the amounts of module ${row}. ` +
    'Each exported function reads a file, splits it into lines, keeps the first `limit` lines and adds up the values of one key. ' +
    'The functions differ only in the key they total and their default limit. There is no error handling: a missing file rejects, ' +
    'and a value that is not a number makes the total NaN. A label constant names the module for logs.\n\n' +
    `Suggested next step: share one helper between the ${4 + (row % 5)} near-identical functions.`;
  return JSON.stringify({
    custom_id: customIdOf(row),
    result: {
      type: 'succeeded',
      message: {
        id: `msg_bench${String(row).padStart(12, '0')}`,
        type: 'message',
        role: 'assistant',
        model: RESULTS_MODEL,
        content: [{ type: 'text', text, citations: null }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: {
          input_tokens: 612 + (row % 300),
          output_tokens: 140 + (row % 60),
          cache_creation_input_tokens: row === 0 ? 48 : 0,
          cache_read_input_tokens: row === 0 ? 0 : 48,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: row === 0 ? 48 : 0 },
          service_tier: 'batch',
          inference_geo: null,
        },
      },
    },
  });
}

/** Writes `rows` result lines to `file` (in chunks, so generating it takes little memory); returns its size. */
export function writeResultsFile(file: string, rows: number): number {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  try {
    for (let start = 0; start < rows; start += 1_000) {
      const lines: string[] = [];
      for (let row = start; row < Math.min(rows, start + 1_000); row++) lines.push(resultLine(row));
      const chunk = `${lines.join('\n')}\n`;
      bytes += fs.writeSync(fd, chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}
