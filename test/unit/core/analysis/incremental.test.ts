import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, OPTIONS, analyzer, languageOf } from './support';
import type { AnalysisResult, SourceLanguage, TextChange } from '../../../../src/core/analysis/types';

/** A deterministic pseudo-random sequence, so a failing edit can be replayed. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function comparable(result: AnalysisResult) {
  return {
    findings: result.findings.map((finding) => [finding.code, finding.range, finding.message, finding.fixes, finding.related]),
    prompts: result.prompts.map((prompt) => [prompt.name, prompt.kind, prompt.range, prompt.text, prompt.model, prompt.cached]),
    // Each request's whole input, which the cost lens and `batchlens cost` price: a stale one shows a wrong cost.
    calls: (result.calls ?? []).map((call) => [call.name, call.kind, call.range, call.text, call.model, call.cached]),
    // A session that failed internally reports it here, with no findings: two failures must not compare equal by accident.
    skippedReason: result.skippedReason,
  };
}

const EDITED = ['corpus/heldout/h16_express_chat.js', 'corpus/tuning/t28_appended_blocks.ts', 'corpus/tuning/t13_litellm_router.py', 'python/seed004_ticket_in_system.py', 'python/prompt_constant_models.py', 'typescript/prompt_constant_models.ts', 'javascript/triage_router.js', 'python/helper_builds_system.py', 'python/multi_turn_loop.py', 'typescript/template_in_system.ts', 'typescript/batch_requests.ts', 'tsx/prompt_component.tsx', 'javascript/batch_loop.js'];
// Unclosed `${`, backticks and f-string braces reshape statements through error recovery (a stale BL005 once survived them).
const SNIPPETS = ['x', '\n', '"', '{', ')', ' + user_id', '${name}', '\n\n', '', 'client.messages.create(', '# ', '//', '${', '`', 'f"{', ' + Date.now()', 'datetime.now()'];

describe('incremental analysis sessions', () => {
  for (const fixture of EDITED) {
    it(`matches a fresh analysis after each of 40 random edits to ${fixture}`, async () => {
      const engine = await analyzer();
      const language = languageOf(fixture);
      let text = fs.readFileSync(path.join(FIXTURES, fixture), 'utf8');
      const session = engine.createSession(language);
      const random = sequence(fixture.length * 7919);
      try {
        session.update(text, OPTIONS);
        for (let step = 0; step < 40; step++) {
          const start = Math.floor(random() * text.length);
          const oldEnd = Math.min(text.length, start + Math.floor(random() * 4));
          const change: TextChange = { start, oldEnd, newText: SNIPPETS[Math.floor(random() * SNIPPETS.length)] };
          text = text.slice(0, change.start) + change.newText + text.slice(change.oldEnd);
          const incremental = session.update(text, OPTIONS, [change]);
          const fresh = engine.analyze(text, language, OPTIONS);
          assert.equal(fresh.skippedReason, undefined, `fresh analysis after edit ${step}`);
          assert.deepEqual(comparable(incremental), comparable(fresh), `after edit ${step}: ${JSON.stringify(change)}`);
        }
      } finally {
        session.dispose();
      }
    });
  }

  // Long files exercise the re-walk of only the statements around an edit (and the name tables
  // kept across edits): unclosed strings and brackets reshape statements far from the edit.
  const LONG: [SourceLanguage, string[]][] = [
    ['python', ['python/seed000_optimized_client.py', 'python/helper_builds_system.py', 'python/multi_turn_loop.py', 'python/class_constants.py']],
    ['typescript', ['typescript/batch_requests.ts', 'typescript/template_in_system.ts', 'typescript/prompt_constant_models.ts']],
  ];
  const RESHAPING = ['"""', '(', ')', '`', '/*', 'é😀', '\n', 'def f(', 'class X:\n  ', 'SYSTEM_PROMPT = "a"\n', 'const SYSTEM_PROMPT = `a`;\n', ''];
  for (const [language, files] of LONG) {
    it(`matches a fresh analysis after 30 two-change events on a long ${language} file`, async function () {
      this.timeout(20_000);
      const engine = await analyzer();
      let text = files.map((file) => fs.readFileSync(path.join(FIXTURES, file), 'utf8')).join('\n\n');
      const session = engine.createSession(language);
      const random = sequence(text.length);
      try {
        session.update(text, OPTIONS);
        for (let step = 0; step < 30; step++) {
          const changes: TextChange[] = [];
          for (let count = 0; count < 2; count++) {
            const start = Math.floor(random() * text.length);
            const change: TextChange = { start, oldEnd: Math.min(text.length, start + Math.floor(random() * 6)), newText: RESHAPING[Math.floor(random() * RESHAPING.length)] };
            text = text.slice(0, change.start) + change.newText + text.slice(change.oldEnd);
            changes.push(change);
          }
          const incremental = session.update(text, OPTIONS, changes);
          const fresh = engine.analyze(text, language, OPTIONS);
          assert.equal(fresh.skippedReason, undefined, `fresh analysis after event ${step}`);
          assert.deepEqual(comparable(incremental), comparable(fresh), `after event ${step}: ${JSON.stringify(changes)}`);
        }
      } finally {
        session.dispose();
      }
    });
  }

  it('drops a stale finding when typing a backtick folds the rest of the file into an unclosed template', async () => {
    const engine = await analyzer();
    const text = fs.readFileSync(path.join(FIXTURES, 'corpus/heldout/h16_express_chat.js'), 'utf8');
    const session = engine.createSession('javascript');
    try {
      session.update(text, OPTIONS);
      const at = text.indexOf('text: TUTOR');
      const change: TextChange = { start: at + 3, oldEnd: at + 6, newText: '`' };
      const edited = text.slice(0, change.start) + change.newText + text.slice(change.oldEnd);
      const incremental = session.update(edited, OPTIONS, [change]);
      const fresh = engine.analyze(edited, 'javascript', OPTIONS);
      assert.equal(fresh.skippedReason, undefined);
      assert.deepEqual(comparable(incremental), comparable(fresh));
    } finally {
      session.dispose();
    }
  });

  it('applies several changes of one event in order', async () => {
    const engine = await analyzer();
    const before = 'SYSTEM_PROMPT = "You answer in French."\nOTHER = 1\n';
    const session = engine.createSession('python');
    session.update(before, OPTIONS);
    const changes: TextChange[] = [
      { start: 0, oldEnd: 0, newText: '# header\n' },
      { start: 9, oldEnd: 22, newText: 'TEMPLATE' },
    ];
    const after = 'TEMPLATE = "You answer in French."\nOTHER = 1\n'.replace(/^/, '# header\n');
    const result = session.update(after, OPTIONS, changes);
    assert.deepEqual(result.prompts.map((prompt) => prompt.name), ['TEMPLATE']);
    session.dispose();
  });

  it('falls back to a full analysis when the changes do not lead to the text', async () => {
    const engine = await analyzer();
    const session = engine.createSession('python');
    session.update('A = 1\n', OPTIONS);
    const result = session.update('SYSTEM_PROMPT = "hello there"\n', OPTIONS, [{ start: 0, oldEnd: 1, newText: 'B' }]);
    assert.deepEqual(result.prompts.map((prompt) => prompt.name), ['SYSTEM_PROMPT']);
    session.dispose();
  });
});
