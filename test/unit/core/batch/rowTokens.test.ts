import * as assert from 'node:assert/strict';
import type { BatchRequest } from '../../../../src/core/api/batchApi';
import { sampledLabel } from '../../../../src/core/batch/costPreview';
import { COUNT_EVERY_ROW_UP_TO, RowTokenEstimator, SAMPLE_EVERY, SPARSE_SAMPLE_EVERY, SPARSE_SAMPLING_FROM } from '../../../../src/core/batch/rowTokens';
import { estimateRequestTokens } from '../../../../src/core/tokens/estimate';

const MODEL = 'claude-sonnet-4-6';
const params = (relativePath: string, content: string): BatchRequest['params'] => ({
  model: MODEL,
  max_tokens: 100,
  system: [{ type: 'text', text: 'You summarize files.' }],
  messages: [{ role: 'user', content: `File: ${relativePath}\n\n<file>\n${content}\n</file>` }],
});
const full = (relativePath: string, content: string) => estimateRequestTokens(params(relativePath, content), 'legacy', { model: MODEL }).inputTokens;

/** A source file of the kind a large job holds many of: alike in shape, different in names and numbers. */
function sourceFile(seed: number): string {
  const lines = [`import { read } from './io';`, ''];
  for (let index = 0; index < 3 + (seed % 7); index++) {
    lines.push(`export function step${seed}_${index}(limit = ${(seed * 31 + index) % 97}): number {`, `  let total = ${seed % 13};`, `  for (const value of read('part_${index}')) total += value * ${index + 1};`, '  return total;', '}', '');
  }
  return lines.join('\n');
}

describe('row token estimates: every row counted in small jobs, a counted sample in large ones', () => {
  it(`counts every row of a job up to ${COUNT_EVERY_ROW_UP_TO} rows, exactly as the estimator does`, () => {
    const estimator = new RowTokenEstimator('legacy', MODEL);
    for (let seed = 0; seed < 200; seed++) {
      const path = `src/f${seed}.ts`;
      const content = sourceFile(seed);
      assert.equal(estimator.estimate(params(path, content), () => params(path, ''), content, path).inputTokens, full(path, content));
    }
    assert.deepEqual(estimator.sampling, { rows: 200, countedRows: 200 });
  });

  it('estimates a large uniform job within 1% of counting every row, counting about one row in ten', () => {
    const estimator = new RowTokenEstimator('legacy', MODEL);
    const rows = 6_000;
    let sampled = 0;
    let counted = 0;
    for (let seed = 0; seed < rows; seed++) {
      const path = `src/m${seed % 10}/f${seed}.ts`;
      const content = sourceFile(seed);
      sampled += estimator.estimate(params(path, content), () => params(path, ''), content, path).inputTokens;
      counted += full(path, content);
    }
    assert.ok(Math.abs(sampled / counted - 1) < 0.01, `sampled ${sampled} vs counted ${counted}`);
    const { countedRows } = estimator.sampling;
    assert.ok(countedRows < COUNT_EVERY_ROW_UP_TO + rows / SAMPLE_EVERY + 50, `counted ${countedRows} rows`);
    assert.ok(countedRows >= COUNT_EVERY_ROW_UP_TO, 'the first rows are all counted');
  });

  it(`counts one row in ${SPARSE_SAMPLE_EVERY} past ${SPARSE_SAMPLING_FROM} rows, and those rows stay within 1% of counting each`, () => {
    const estimator = new RowTokenEstimator('legacy', MODEL);
    const extra = 2_000;
    let sampled = 0;
    let counted = 0;
    let countedBefore = 0;
    for (let seed = 0; seed < SPARSE_SAMPLING_FROM + extra; seed++) {
      if (seed === SPARSE_SAMPLING_FROM) countedBefore = estimator.sampling.countedRows;
      const path = `src/m${seed % 10}/f${seed}.ts`;
      const content = sourceFile(seed);
      const estimate = estimator.estimate(params(path, content), () => params(path, ''), content, path).inputTokens;
      if (seed < SPARSE_SAMPLING_FROM) continue;
      sampled += estimate;
      counted += full(path, content);
    }
    assert.equal(estimator.sampling.countedRows - countedBefore, extra / SPARSE_SAMPLE_EVERY);
    assert.ok(Math.abs(sampled / counted - 1) < 0.01, `sampled ${sampled} vs counted ${counted}`);
  });

  it('always counts long files, text that is not plain ASCII, and a file type it has not seen enough of', () => {
    const estimator = new RowTokenEstimator('legacy', MODEL);
    for (let seed = 0; seed < COUNT_EVERY_ROW_UP_TO + 5; seed++) {
      const path = `src/f${seed}.ts`;
      const content = sourceFile(seed);
      estimator.estimate(params(path, content), () => params(path, ''), content, path);
    }
    const check = (path: string, content: string, asciiOnly?: boolean) => {
      // Row numbers that are not multiples of SAMPLE_EVERY, so only the rule under test can make them counted.
      const before = estimator.sampling.countedRows;
      assert.equal(estimator.estimate(params(path, content), () => params(path, ''), content, path, asciiOnly).inputTokens, full(path, content), path);
      assert.equal(estimator.sampling.countedRows, before + 1, `${path} was counted`);
    };
    check('src/long.ts', sourceFile(7).repeat(100));
    check('src/accents.ts', `${sourceFile(8)}// café, naïve, 東京\n`);
    // The caller may say so instead (decoded bytes longer than their characters): the text is not scanned again.
    check('src/accents2.ts', `${sourceFile(9)}// ß\n`, false);
    check('docs/readme.md', '# A different kind of file\n\nProse, not code.\n');
  });

  it('labels a sampled preview as an estimate and says how many files were counted', () => {
    assert.equal(sampledLabel({}), 'estimate');
    assert.equal(sampledLabel({ sampling: { rows: 100_000, countedRows: 10_900 } }), 'estimate: 10,900 of 100,000 files counted, the rest from their size');
  });
});
