import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, analyzeFixture, findingLabels } from './support';

interface Expected {
  findings: string[];
  prompts: string[];
  /** `NAME@line model cached|uncached` per prompt: the model ('-' when none) and cache state the lens prices with. */
  promptModels: string[];
  skipped?: boolean;
}

const SOURCE = /\.(py|ts|tsx|js|jsx|mjs|cjs|mts|cts)$/;

const fixtures = fs
  .readdirSync(FIXTURES)
  .flatMap((folder) => fs.readdirSync(path.join(FIXTURES, folder)).filter((name) => SOURCE.test(name)).map((name) => `${folder}/${name}`))
  .sort();

describe('analysis fixture corpus', () => {
  it('holds at least 60 fixtures across python, typescript, tsx and javascript', () => {
    assert.ok(fixtures.length >= 60, `only ${fixtures.length} fixtures`);
    for (const folder of ['python', 'typescript', 'tsx', 'javascript']) assert.ok(fixtures.some((file) => file.startsWith(`${folder}/`)), folder);
  });

  for (const fixture of fixtures) {
    it(`gives the expected findings and prompt constants for ${fixture}`, async () => {
      const expectedPath = path.join(FIXTURES, fixture.replace(/\.[^.]+$/, '.expected.json'));
      const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8')) as Expected;
      const { result } = await analyzeFixture(fixture);
      assert.deepEqual(findingLabels(result), expected.findings);
      assert.deepEqual(
        result.prompts.map((prompt) => `${prompt.name}@${prompt.range.startLine + 1}`),
        expected.prompts,
      );
      assert.deepEqual(
        result.prompts.map((prompt) => `${prompt.name}@${prompt.range.startLine + 1} ${prompt.model ?? '-'} ${prompt.cached ? 'cached' : 'uncached'}`),
        expected.promptModels,
      );
      assert.equal(result.skippedReason !== undefined, expected.skipped === true, result.skippedReason);
    });
  }
});
