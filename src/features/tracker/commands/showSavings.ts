import { computeSavingsReport, renderSavingsMarkdown } from '../../../core/tracking/savings';
import type { TrackerContext } from './context';

/** Shows the savings report of every job; returns its Markdown (test contract). */
export async function showSavings(context: TrackerContext): Promise<string> {
  const report = computeSavingsReport(await context.store.list(), context.services.config.modelOverrides);
  const markdown = renderSavingsMarkdown(report);
  await context.reports.showMarkdown('Batchlens Savings.md', markdown);
  return markdown;
}
