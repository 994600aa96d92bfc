import { type PriceMode, promptTokensOf, usageFromApi } from '../pricing/cost';
import type { RowAttempt } from '../jobs/jobModel';

/**
 * The summed usage of the succeeded attempts that one price applies to: the same model, price mode and
 * residency. Prices are linear in tokens within a prompt-length band, so the sum priced once costs
 * exactly what the rows priced one by one do, as long as every row fell in the same band: the smallest
 * and largest prompt seen tell (a bucket whose rows straddle a band edge is priced from the rows).
 */
export interface UsageBucket {
  model: string;
  mode: PriceMode;
  usResidency: boolean;
  /** Succeeded attempts summed here. */
  rows: number;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  /** Smallest and largest prompt (input + cache tokens) of one row; only ever widened. */
  minPromptTokens: number;
  maxPromptTokens: number;
}

/** Adds (`sign` 1) or takes away (-1) one attempt's usage; attempts that were not billed add nothing. */
export function addAttemptUsage(buckets: UsageBucket[], attempt: RowAttempt, templateModel: string, sign: 1 | -1): void {
  if (attempt.outcome !== 'succeeded' || !attempt.usage) return;
  const converted = usageFromApi(attempt.usage);
  const model = attempt.model ?? templateModel;
  // A result line of a batch was billed at batch prices even when the usage omits service_tier.
  const mode: PriceMode = attempt.usage.service_tier ? converted.mode : 'batch';
  const usResidency = converted.usResidency;
  let bucket = buckets.find((candidate) => candidate.model === model && candidate.mode === mode && candidate.usResidency === usResidency);
  const prompt = promptTokensOf(converted.usage);
  if (!bucket) {
    bucket = { model, mode, usResidency, rows: 0, inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, minPromptTokens: prompt, maxPromptTokens: prompt };
    buckets.push(bucket);
  }
  bucket.rows += sign;
  bucket.inputTokens += sign * converted.usage.inputTokens;
  bucket.outputTokens += sign * converted.usage.outputTokens;
  bucket.cacheWrite5mTokens += sign * (converted.usage.cacheWrite5mTokens ?? 0);
  bucket.cacheWrite1hTokens += sign * (converted.usage.cacheWrite1hTokens ?? 0);
  bucket.cacheReadTokens += sign * (converted.usage.cacheReadTokens ?? 0);
  bucket.minPromptTokens = Math.min(bucket.minPromptTokens, prompt);
  bucket.maxPromptTokens = Math.max(bucket.maxPromptTokens, prompt);
}
