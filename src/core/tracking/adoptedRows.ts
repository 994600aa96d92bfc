import type { Job, ManifestEntry } from '../jobs/jobModel';
import type { ResultsLocation } from './resultsWriter';

/** What the API allows as a custom_id; anything else in a results file is reported, never written. */
const CUSTOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The manifest entry of a row of an adopted batch, made from its custom_id alone: no source file is
 * known, so the custom_id stands in for the path and the output becomes `<resultsDir>/<custom_id>.md`.
 * Undefined for a job Batchlens submitted (its manifest is complete) or an id the API would refuse.
 */
export function adoptedManifestEntry(job: Job, customId: string): ManifestEntry | undefined {
  if (!job.adopted || !CUSTOM_ID_PATTERN.test(customId)) {
    return undefined;
  }
  return { customId, relativePath: customId, contentSha256: '', bytes: 0, estimatedInputTokens: 0 };
}

/**
 * Where outputs of this job go: an adopted batch has no source files to write beside, so its outputs
 * always stay in the store, whatever `batchlens.results.location` says.
 */
export function resultsLocationFor(job: Job, requested: ResultsLocation): ResultsLocation {
  return job.adopted ? 'store' : requested;
}

/**
 * Records rows read from an adopted batch's results in the job (inside a store update): each new
 * custom_id joins the manifest and the batch's `customIds`, so status counts, retry planning and the
 * tree treat them like the rows of a submitted job. Idempotent; a no-op for a submitted job.
 */
export function recordAdoptedRows(job: Job, batchId: string, customIds: Iterable<string>): void {
  if (!job.adopted) {
    return;
  }
  const batch = job.batches.find((candidate) => candidate.batchId === batchId);
  const inManifest = new Set(job.manifest.map((entry) => entry.customId));
  const inBatch = new Set(batch?.customIds ?? []);
  for (const customId of customIds) {
    const entry = inManifest.has(customId) ? undefined : adoptedManifestEntry(job, customId);
    if (entry) {
      job.manifest.push(entry);
      inManifest.add(customId);
    }
    if (batch && inManifest.has(customId) && !inBatch.has(customId)) {
      batch.customIds.push(customId);
      inBatch.add(customId);
    }
  }
}
