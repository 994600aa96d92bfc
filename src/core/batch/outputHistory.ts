import type { Job } from '../jobs/jobModel';

/**
 * Without history a row's output is guessed as this share of its own input tokens (at most
 * max_tokens). A stated guess, shown as such in the preview; a template's own history replaces it.
 */
export const DEFAULT_OUTPUT_RATIO = 0.25;

/** How a preview expects output tokens per row: from the template's finished rows, or the default ratio. */
export type OutputExpectation =
  | { basis: 'history'; meanOutputTokens: number; rows: number; jobs: number }
  | { basis: 'ratio'; ratio: number };

/**
 * The template's own history: the mean `output_tokens` of every succeeded, downloaded row of earlier
 * jobs that used the same template name (each attempt billed once, so each counts once). Undefined
 * when no such row exists yet. `storedOutput` gives a job's succeeded rows and their output tokens
 * when its store knows them without reading the rows (a finished 100k-row job then costs nothing). Pure.
 */
export function outputHistoryOf(
  jobs: readonly Job[],
  templateName: string,
  storedOutput?: (job: Job) => { rows: number; outputTokens: number } | undefined,
): OutputExpectation | undefined {
  let rows = 0;
  let outputTokens = 0;
  let jobsWithRows = 0;
  for (const job of jobs) {
    if (job.template.name !== templateName) continue;
    const stored = storedOutput?.(job);
    if (stored) {
      rows += stored.rows;
      outputTokens += stored.outputTokens;
      if (stored.rows > 0) jobsWithRows += 1;
      continue;
    }
    let counted = false;
    for (const attempts of Object.values(job.rows)) {
      for (const attempt of attempts) {
        if (attempt.outcome !== 'succeeded' || !attempt.usage) continue;
        rows += 1;
        outputTokens += attempt.usage.output_tokens;
        counted = true;
      }
    }
    if (counted) jobsWithRows += 1;
  }
  if (rows === 0) return undefined;
  return { basis: 'history', meanOutputTokens: outputTokens / rows, rows, jobs: jobsWithRows };
}

/** Expected output tokens of one row under `expectation`, never above `maxTokens`. */
export function expectedRowOutputTokens(expectation: OutputExpectation, rowInputTokens: number, maxTokens: number): number {
  const guess = expectation.basis === 'history' ? expectation.meanOutputTokens : rowInputTokens * expectation.ratio;
  return Math.min(maxTokens, Math.max(0, Math.round(guess)));
}

/** One line saying where the expected output comes from. */
export function describeOutputExpectation(expectation: OutputExpectation): string {
  if (expectation.basis === 'history') {
    const mean = Math.round(expectation.meanOutputTokens).toLocaleString('en-US');
    return `output from this template's history: ${mean} tokens per row on average over ${expectation.rows.toLocaleString('en-US')} finished row${expectation.rows === 1 ? '' : 's'} (${expectation.jobs} job${expectation.jobs === 1 ? '' : 's'})`;
  }
  return `no finished job of this template yet: output guessed at ${Math.round(expectation.ratio * 100)}% of each row's input tokens (at most max_tokens)`;
}
