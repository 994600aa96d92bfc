/** Job ids name files in the store, so only this alphabet is accepted: no separators, no dots. */
const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** The id itself, or a throw when it could not be a file name in the store. */
export function checkedJobId(jobId: string): string {
  if (!JOB_ID_PATTERN.test(jobId)) throw new Error(`Batchlens store: invalid job id ${JSON.stringify(jobId)}`);
  return jobId;
}

/** The `requestsFile` of a job, relative to `.batchlens/`. */
export function requestsFileFor(jobId: string): string {
  return `requests/${checkedJobId(jobId)}.jsonl`;
}
