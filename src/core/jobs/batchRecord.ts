import type { MessageBatch } from '../api/batchApi';
import type { BatchRecord } from './jobModel';

/** Copies what the API said about a batch onto its record (and clears a stale submit error). */
export function applyBatchToRecord(record: BatchRecord, batch: MessageBatch): void {
  record.batchId = batch.id;
  record.status = batch.processing_status;
  record.counts = { ...batch.request_counts };
  record.createdAt = batch.created_at;
  record.expiresAt = batch.expires_at;
  record.endedAt = batch.ended_at;
  record.resultsUrl = batch.results_url;
  delete record.submitError;
  delete record.notSubmitted;
}
