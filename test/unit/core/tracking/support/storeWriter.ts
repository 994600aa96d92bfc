// Run as a child process by test/unit/core/tracking/jobStore.test.ts: bumps a counter in one job N times through the store lock.
import { FileJobStore } from '../../../../../src/core/tracking/jobStore';

async function main(): Promise<void> {
  const [root, jobId, times, tag] = process.argv.slice(2);
  const store = new FileJobStore(root);
  for (let index = 0; index < Number(times); index++) {
    await store.update(jobId, (job) => {
      job.estimate.inputTokens += 1;
      job.rows[`${tag}-${index}`] = [];
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
