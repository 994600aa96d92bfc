import type { MessageBatchIndividualResponse } from './batchApi';
import { BatchApiError } from './errors';
import { LineSplitter } from './lineSplitter';
import { redactSecrets } from '../util/redact';
import { readBodyChunks } from './streamChunks';

export interface ReadResultsOptions {
  /** Complete lines to skip because an earlier, cut download already delivered them. */
  skipLines?: number;
  signal?: AbortSignal;
  /** Strings (the API key) that must never appear in an error message. */
  redact?: readonly string[];
}

/**
 * Parses a JSONL results body one line at a time, yielding each row as soon as its line is complete.
 *
 * - Blank lines are skipped and not counted; `\r\n` endings are accepted.
 * - If the connection drops, or the body ends in the middle of a line, the partial line is
 *   discarded and a `BatchApiError` of kind `connection` is thrown whose `cursor.linesDelivered`
 *   counts the complete lines handed out so far (skipped ones included), ready for `skipLines`.
 * - A body that ends cleanly after a last line lacking its newline is accepted only when that line
 *   is complete JSON, because a cut line is never a whole JSON object.
 */
export async function* readResultLines(
  body: ReadableStream<Uint8Array>,
  options: ReadResultsOptions = {},
): AsyncGenerator<MessageBatchIndividualResponse, void, undefined> {
  const skip = options.skipLines ?? 0;
  const splitter = new LineSplitter();
  let linesSeen = 0;

  const cutError = (cause: unknown, detail: string) =>
    options.signal?.aborted
      ? new BatchApiError({ kind: 'aborted', message: 'The results download was cancelled.', cursor: { linesDelivered: linesSeen }, cause })
      : new BatchApiError({
          kind: 'connection',
          message: `The results download was cut after ${linesSeen} complete lines (${detail}).`,
          cursor: { linesDelivered: linesSeen },
          cause,
        });

  function* take(lines: string[]): Generator<MessageBatchIndividualResponse> {
    for (const line of lines) {
      if (line.trim() === '') {
        continue;
      }
      linesSeen++;
      if (linesSeen <= skip) {
        continue;
      }
      yield parseRow(line, linesSeen);
    }
  }

  for await (const chunk of readBodyChunks(body, (error) => cutError(error, describe(error, options.redact)))) {
    yield* take(splitter.push(chunk));
  }
  if (splitter.remainderBytes > 0) {
    const last = splitter.takeRemainder();
    if (last.trim() !== '') {
      if (!isCompleteJson(last)) {
        throw cutError(undefined, 'the body ended in the middle of a line');
      }
      yield* take([last]);
    }
  }
}

function parseRow(line: string, lineNumber: number): MessageBatchIndividualResponse {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (error) {
    throw new BatchApiError({
      kind: 'server',
      message: `Result line ${lineNumber} is not valid JSON.`,
      cursor: { linesDelivered: lineNumber - 1 },
      cause: error,
    });
  }
  if (!row || typeof row !== 'object' || typeof (row as { custom_id?: unknown }).custom_id !== 'string') {
    throw new BatchApiError({
      kind: 'server',
      message: `Result line ${lineNumber} has no custom_id.`,
      cursor: { linesDelivered: lineNumber - 1 },
    });
  }
  return row as MessageBatchIndividualResponse;
}

function isCompleteJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

function describe(error: unknown, redact: readonly string[] = []): string {
  let text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  if (cause) {
    text = `${text}: ${cause}`;
  }
  return redactSecrets(text, redact);
}
