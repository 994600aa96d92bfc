import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { OPTIONS, analyzeFixture, analyzer, applyEdits, findingLabels, hasSyntaxError } from './support';
import type { AnalysisResult, RuleCode } from '../../../../src/core/analysis/types';

function codes(result: AnalysisResult): RuleCode[] {
  return result.findings.map((finding) => finding.code);
}

describe('cache lint on the seed snippets', () => {
  it("finds no BL001 in seed 004's classifier with the cached system block", async () => {
    const { result } = await analyzeFixture('python/seed004_cached_classifier.py');
    assert.ok(!codes(result).includes('BL001'));
  });

  it('flags BL001 on the ticket body interpolated into the cached system text', async () => {
    const { text, result } = await analyzeFixture('python/seed004_ticket_in_system.py');
    const bl001 = result.findings.filter((finding) => finding.code === 'BL001');
    assert.equal(bl001.length, 1);
    assert.equal(text.slice(bl001[0].range.start, bl001[0].range.end), 'ticket.body');
    assert.match(bl001[0].message, /ticket/);
  });

  it("keeps seed 000's call_optimized clean", async () => {
    const { result } = await analyzeFixture('python/seed000_optimized_client.py');
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.prompts.map((prompt) => [prompt.name, prompt.cached]), [['STATIC_SYSTEM', true]]);
  });

  it('stays silent on a bare parameter in the cached system text: its stability is unknown', async () => {
    const { result } = await analyzeFixture('python/seed000_context_in_system.py');
    assert.deepEqual(codes(result), []);
  });

  it('keeps a constant interpolated into an f-string cacheable', async () => {
    const { result } = await analyzeFixture('python/constants_in_fstring.py');
    assert.ok(!codes(result).includes('BL001'));
  });

  it('does not flag the last user message of a multi-turn loop', async () => {
    for (const fixture of ['python/multi_turn_loop.py', 'python/multi_turn_spread.py', 'typescript/chat_loop.ts']) {
      const { result } = await analyzeFixture(fixture);
      assert.ok(!codes(result).includes('BL001') && !codes(result).includes('BL005'), fixture);
    }
  });
});

describe('quick fixes', () => {
  const cases: { fixture: string; code: RuleCode }[] = [
    { fixture: 'python/seed004_ticket_in_system.py', code: 'BL001' },
    { fixture: 'typescript/template_in_system.ts', code: 'BL001' },
    { fixture: 'tsx/prompt_component.tsx', code: 'BL001' },
    { fixture: 'javascript/component.jsx', code: 'BL001' },
    { fixture: 'javascript/random_in_system.mjs', code: 'BL001' },
    { fixture: 'python/too_many_breakpoints.py', code: 'BL002' },
    { fixture: 'typescript/five_breakpoints.ts', code: 'BL002' },
    { fixture: 'python/ttl_order.py', code: 'BL004' },
    { fixture: 'typescript/ttl_mixed.ts', code: 'BL004' },
    { fixture: 'javascript/ttl_auto.js', code: 'BL004' },
    { fixture: 'python/only_breakpoint_on_user.py', code: 'BL005' },
    { fixture: 'javascript/options_object.js', code: 'BL005' },
    { fixture: 'python/json_dumps_in_system.py', code: 'BL006' },
  ];
  for (const { fixture, code } of cases) {
    it(`every ${code} fix in ${fixture} parses and removes the finding`, async () => {
      const { text, language, result } = await analyzeFixture(fixture);
      const finding = result.findings.find((candidate) => candidate.code === code);
      assert.ok(finding, `no ${code} in ${fixture}`);
      assert.ok(finding.fixes.length > 0, `no fix for ${code}`);
      for (const fix of finding.fixes) {
        const fixed = applyEdits(text, fix.edits);
        assert.equal(await hasSyntaxError(fixed, language), false, `${fix.title} broke the syntax:\n${fixed}`);
        const after = (await analyzer()).analyze(fixed, language, OPTIONS);
        assert.ok(!after.findings.some((candidate) => candidate.code === code), `${fix.title} left ${code}: ${findingLabels(after).join(', ')}`);
      }
    });
  }

  it('splits the seed 004 system text: the static prefix stays cached, the ticket moves after it', async () => {
    const { text, result } = await analyzeFixture('python/seed004_ticket_in_system.py');
    const fix = result.findings.find((finding) => finding.code === 'BL001')?.fixes[0];
    assert.ok(fix);
    const fixed = applyEdits(text, fix.edits);
    assert.ok(fixed.includes('f"Ticket: "'));
    assert.ok(fixed.includes('{"type": "text", "text": f"{ticket.body}\\n"'));
  });

  it('puts the moved block on its own line, indented like the cached block (the demo classifier)', async () => {
    const text = readFileSync(path.resolve(__dirname, '../../../fixtures/workspace/prompts/ticket_classifier.py'), 'utf8');
    const result = (await analyzer()).analyze(text, 'python', OPTIONS);
    const fix = result.findings.find((finding) => finding.code === 'BL001')?.fixes[0];
    assert.ok(fix);
    const fixed = applyEdits(text, fix.edits);
    const lines = fixed.split('\n');
    const closing = lines.findIndex((line, index) => line.trim() === '},' && lines[index + 1]?.includes('"text": f"{ticket_body}"'));
    assert.ok(closing > 0, `the cached block closes on its own line and the new block follows:\n${fixed}`);
    const indentOf = (line: string) => /^ */.exec(line)![0].length;
    assert.equal(indentOf(lines[closing + 1]), indentOf(lines[closing]), 'the new block is indented like the cached one');
    assert.match(lines[closing + 1].trim(), /^\{"type": "text", "text": f"\{ticket_body\}"\}$/);
    assert.equal(await hasSyntaxError(fixed, 'python'), false);
  });
});

describe('rules', () => {
  it('reports a clock reading, a uuid and Math.random as per-request content', async () => {
    for (const fixture of ['python/clock_in_system.py', 'python/uuid_format.py', 'javascript/random_in_system.mjs']) {
      const { result } = await analyzeFixture(fixture);
      const bl001 = result.findings.find((finding) => finding.code === 'BL001');
      assert.ok(bl001, fixture);
      assert.match(bl001.message, /clock|random/);
    }
  });

  it('orders tools before system: a dynamic tool description before a cached system block is BL001', async () => {
    const { result } = await analyzeFixture('python/tools_before_system.py');
    const bl001 = result.findings.find((finding) => finding.code === 'BL001');
    assert.ok(bl001);
    assert.match(bl001.message, /tool definitions/);
  });

  it('counts the automatic breakpoint among the four slots (BL002)', async () => {
    const { result } = await analyzeFixture('python/four_plus_automatic.py');
    assert.ok(codes(result).includes('BL002'));
    assert.match(result.findings.find((finding) => finding.code === 'BL002')?.message ?? '', /automatic/);
  });

  it('reports BL003 with the model minimum from the catalog, and skips it when no minimum is known', async () => {
    const { text, language, result } = await analyzeFixture('python/seed001_call_with_cache.py');
    const bl003 = result.findings.find((finding) => finding.code === 'BL003');
    assert.ok(bl003);
    assert.match(bl003.message, /1,024-token minimum/);
    const without = (await analyzer()).analyze(text, language, { defaultModel: 'claude-sonnet-4-6' });
    assert.ok(!codes(without).includes('BL003'));
  });

  it('uses the estimator it is given for BL003', async () => {
    const { text, language } = await analyzeFixture('python/seed001_call_with_cache.py');
    const big = (await analyzer()).analyze(text, language, { ...OPTIONS, estimateTokens: () => 5000 });
    assert.ok(!codes(big).includes('BL003'));
  });

  it('honours disabled rules', async () => {
    const { text, language } = await analyzeFixture('python/seed004_ticket_in_system.py');
    const result = (await analyzer()).analyze(text, language, { ...OPTIONS, disabledRules: [...(OPTIONS.disabledRules ?? []), 'BL001', 'BL003'] });
    assert.deepEqual(result.findings, []);
  });

  it('hints model routing and batch candidates at information level', async () => {
    const { result } = await analyzeFixture('typescript/loop_create.ts');
    const hints = result.findings.filter((finding) => finding.code === 'BL100' || finding.code === 'BL101');
    assert.ok(hints.length >= 2);
    assert.ok(hints.every((finding) => finding.severity === 'info'));
  });

  it('finds the batch candidate through a helper called in a loop (seed 004 sync script)', async () => {
    const { text, result } = await analyzeFixture('python/seed004_sync_classifier.py');
    const bl101 = result.findings.find((finding) => finding.code === 'BL101');
    assert.ok(bl101);
    assert.equal(text.slice(bl101.range.start, bl101.range.end), 'classify(ticket.body)');
  });

  it('gives prompt constants the model of the call that uses them', async () => {
    const { result } = await analyzeFixture('python/seed001_call_with_cache.py');
    assert.deepEqual(result.prompts.map((prompt) => [prompt.name, prompt.kind, prompt.model, prompt.cached]), [['SYSTEM_PROMPT', 'named-constant', 'claude-sonnet-4-5', true]]);
  });

  it('gives a constant the model of the call that sends it through interpolation, helpers and local variables', async () => {
    for (const fixture of ['python/prompt_constant_models.py', 'typescript/prompt_constant_models.ts']) {
      const { result } = await analyzeFixture(fixture);
      const constants = result.prompts.filter((prompt) => prompt.kind !== 'sdk-argument').map((prompt) => [prompt.name, prompt.model, prompt.cached === true]);
      assert.deepEqual(
        constants,
        [
          ['TRIAGE_SYSTEM_PROMPT', 'claude-haiku-4-5', true],
          ['SUMMARY_PROMPT', 'claude-haiku-4-5', true],
          ['REVIEW_INSTRUCTIONS', 'claude-opus-4-7', false],
          // Sent by a Sonnet call and, later in the file, a Haiku call: the first call in source order wins.
          ['SHARED_GUIDELINES', 'claude-sonnet-4-6', false],
        ],
        fixture,
      );
    }
  });

  it('keeps constant parts of templates and marks dynamic parts as placeholders', async () => {
    const { result } = await analyzeFixture('python/seed003_requests_list.py');
    assert.equal(result.prompts[0].text, 'Write a 500-word expert summary of: {…}');
    assert.equal(result.prompts[0].hasDynamicParts, true);
  });
});
