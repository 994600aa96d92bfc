import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareJob, type PreparedJob } from '../../../src/core/batch/prepareJob';
import { builtinTemplates } from '../../../src/core/batch/templates';

/** A temp workspace with `count` small text files under `docs/`. */
export async function textWorkspace(count: number): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bl-job-'));
  await fs.mkdir(path.join(root, 'docs'));
  for (let index = 0; index < count; index++) await fs.writeFile(path.join(root, 'docs', `f${index}.md`), `Document number ${index}.\n`);
  return root;
}

/** The summarize template over `docs/` of `root`, its requests written into the store's requests folder (ready to submit). */
export function prepareDocs(root: string, now: number, maxRequestsPerBatch = 100_000): Promise<PreparedJob> {
  const template = builtinTemplates('claude-sonnet-4-6').find((t) => t.name === 'summarize')!;
  return prepareJob({ root, selection: ['docs'], template, maxFileBytes: 10_000, maxRequestsPerBatch, keepRequestsIn: path.join(root, '.batchlens'), now });
}
