import { strict as assert } from 'node:assert';
import { OPTIONS, analyzer } from './support';
import type { AnalysisResult, SourceLanguage, TextChange } from '../../../../src/core/analysis/types';

/**
 * A session reuses the previous report, moved through the edit, when no statement result with
 * findings or prompts came or went; it rechecks only the results that read a name the edited
 * statements bind. These checks compare every field of the report with a fresh analysis after
 * edits that keep the report, move lines, change prompts and findings, and come several per event.
 */

/** A deterministic pseudo-random sequence, so a failing edit can be replayed. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function pythonModule(parts: number): string {
  const out = ['import anthropic', 'from datetime import datetime', '', 'client = anthropic.Anthropic()', ''];
  for (let index = 0; index < parts; index++) {
    out.push(
      `SYSTEM_PROMPT_${index} = """You are helper ${index}. Answer in two sentences and name your sources."""`,
      // Two statements on one line: an edit in the first moves the prompt after it sideways.
      `counter_${index} = 0; GREETING_PROMPT_${index} = "Greet the user by name, politely and briefly."`,
      '',
      '',
      `def ask_${index}(question, user_id):`,
      '    response = client.messages.create(',
      `        model="claude-sonnet-4-6",`,
      '        max_tokens=256,',
      `        system=[{"type": "text", "text": f"{SYSTEM_PROMPT_${index}} at {datetime.now()}", "cache_control": {"type": "ephemeral"}}],`,
      '        messages=[{"role": "user", "content": question}],',
      '    )',
      '    return response.content[0].text',
      '',
      '',
      `def total_${index}(values):`,
      '    result = 0',
      '    for value in values:',
      '        result += value * 2',
      '    return result',
      '',
      '',
      `for ticket in load_tickets_${index}():`,
      `    answer = ask_${index}(ticket, "u")`,
      '    save(answer)',
      '',
      '',
    );
  }
  return out.join('\n');
}

function typescriptModule(parts: number): string {
  const out = ["import Anthropic from '@anthropic-ai/sdk';", '', 'const client = new Anthropic();', ''];
  for (let index = 0; index < parts; index++) {
    out.push(
      `const SYSTEM_PROMPT_${index} = \`You are helper ${index}. Answer in two sentences and name your sources.\`;`,
      `let counter${index} = 0; const GREETING_PROMPT_${index} = 'Greet the user by name, politely and briefly.';`,
      '',
      `export async function ask${index}(question: string, userId: string) {`,
      '  const response = await client.messages.create({',
      "    model: 'claude-sonnet-4-6',",
      '    max_tokens: 256,',
      `    system: [{ type: 'text', text: \`\${SYSTEM_PROMPT_${index}} for \${userId} at \${Date.now()}\`, cache_control: { type: 'ephemeral' } }],`,
      "    messages: [{ role: 'user', content: question }],",
      '  });',
      '  return response.content;',
      '}',
      '',
      `export function total${index}(values: number[]) {`,
      '  let result = 0;',
      '  for (const value of values) result += value * 2;',
      '  return result;',
      '}',
      '',
      `for (const ticket of loadTickets${index}()) {`,
      `  const answer = await ask${index}(ticket, 'u');`,
      '  save(answer);',
      '}',
      '',
    );
  }
  return out.join('\n');
}

/** Typing spots: plain code (the report is moved), prompt text, the call, the model, whole lines. */
const SPOTS = ['counter', 'result', 'You are helper', 'max_tokens', 'claude-sonnet-4-6', 'cache_control', 'return', 'for ', 'save(', 'ask', 'SYSTEM_PROMPT_'];
const SNIPPETS = ['1', 'x', '', '\n', '\n\n', ' ', 'now', 'TEMPLATE', ', "cache_control": {"type": "ephemeral"}', '\ndef extra(a):\n    return a\n', '\nfunction extra(a) { return a; }\n', 'datetime.now()', 'Date.now()', '"', '`', '('];

/** A random change near one of the spots (or anywhere), as offsets into `text`. */
function randomChange(text: string, random: () => number): TextChange {
  const spot = SPOTS[Math.floor(random() * SPOTS.length)];
  const occurrences: number[] = [];
  for (let at = text.indexOf(spot); at !== -1; at = text.indexOf(spot, at + 1)) occurrences.push(at);
  const anchor = occurrences.length > 0 && random() < 0.85 ? occurrences[Math.floor(random() * occurrences.length)] + Math.floor(random() * spot.length) : Math.floor(random() * text.length);
  const start = Math.min(text.length, anchor);
  const removed = random() < 0.5 ? 0 : Math.floor(random() * 3);
  // Whole-line removals move every later line up.
  if (random() < 0.1) {
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const lineEnd = text.indexOf('\n', start);
    return { start: lineStart, oldEnd: lineEnd === -1 ? text.length : lineEnd + 1, newText: '' };
  }
  return { start, oldEnd: Math.min(text.length, start + removed), newText: SNIPPETS[Math.floor(random() * SNIPPETS.length)] };
}

function apply(text: string, change: TextChange): string {
  return text.slice(0, change.start) + change.newText + text.slice(change.oldEnd);
}

async function checkAgainstFresh(language: SourceLanguage, original: string, seed: number, steps: number, perEvent: number): Promise<{ moved: number }> {
  const engine = await analyzer();
  const session = engine.createSession(language);
  const random = sequence(seed);
  let text = original;
  let previous: AnalysisResult = session.update(text, OPTIONS);
  let moved = 0;
  try {
    for (let step = 0; step < steps; step++) {
      const changes: TextChange[] = [];
      for (let count = 0; count < perEvent; count++) {
        const change = randomChange(text, random);
        text = apply(text, change);
        changes.push(change);
      }
      const incremental = session.update(text, OPTIONS, changes);
      const fresh = engine.analyze(text, language, OPTIONS);
      assert.deepStrictEqual(incremental, fresh, `after event ${step}: ${JSON.stringify(changes)}`);
      // Counted so the test can tell that the moved-report path ran, not only the full assembly.
      if (incremental.prompts.some((prompt, index) => prompt === previous.prompts[index]) || incremental.findings.length > 0 && incremental.findings.some((finding) => previous.findings.includes(finding))) moved++;
      previous = incremental;
    }
  } finally {
    session.dispose();
  }
  return { moved };
}

describe('incremental analysis: reused and moved reports equal a fresh analysis', () => {
  for (const [language, text] of [
    ['python', pythonModule(12)],
    ['typescript', typescriptModule(12)],
  ] as [SourceLanguage, string][]) {
    it(`matches a fresh analysis field by field after 60 single-change edits to a ${language} module`, async function () {
      this.timeout(30_000);
      const { moved } = await checkAgainstFresh(language, text, text.length, 60, 1);
      assert.ok(moved > 5, `only ${moved} edits reused part of the previous report`);
    });

    it(`matches a fresh analysis field by field after 25 three-change events on a ${language} module`, async function () {
      this.timeout(30_000);
      await checkAgainstFresh(language, text, text.length * 31, 25, 3);
    });
  }

  // Single changes that type or delete no quote or bracket skip the tree comparison: comments,
  // line continuations, operators and stray words must still give what a fresh analysis gives.
  const QUIET = ['/*', '*/', '*', '/', '\\', '#', ';', '\n', ' ', 'x', 'if x', 'else', ':', '', '@', '=>', '<', '>', '\n    ', 'return', 'async '];
  for (const [language, text] of [
    ['python', pythonModule(8) + '\n"""a docstring that a stray quote could reopen"""\n# a comment */\n'],
    ['typescript', typescriptModule(8) + '\n/* a closing comment */\nconst LAST = 1;\n'],
    ['javascript', typescriptModule(8).replace(/: (string|number)(\[\])?/g, '') + '\n// end */\n'],
  ] as [SourceLanguage, string][]) {
    it(`matches a fresh analysis after 80 quiet single changes to a ${language} module`, async function () {
      this.timeout(30_000);
      const engine = await analyzer();
      const session = engine.createSession(language);
      const random = sequence(text.length * 17);
      let current = text;
      let checked = 0;
      try {
        session.update(current, OPTIONS);
        for (let step = 0; step < 80; step++) {
          // Half at a line's start or end: a comment opened or closed there reaches whole statements without a syntax error.
          const offset = Math.floor(random() * current.length);
          const lineStart = current.lastIndexOf('\n', offset - 1) + 1;
          const lineEnd = current.indexOf('\n', offset);
          const start = random() < 0.5 ? offset : random() < 0.5 ? lineStart : lineEnd === -1 ? current.length : lineEnd;
          const change: TextChange = { start, oldEnd: Math.min(current.length, start + Math.floor(random() * 3)), newText: QUIET[Math.floor(random() * QUIET.length)] };
          if (/["'`{}()[\]]/.test(current.slice(change.start, change.oldEnd))) continue;
          current = apply(current, change);
          const incremental = session.update(current, OPTIONS, [change]);
          assert.deepStrictEqual(incremental, engine.analyze(current, language, OPTIONS), `after edit ${step}: ${JSON.stringify(change)}`);
          checked++;
        }
      } finally {
        session.dispose();
      }
      assert.ok(checked > 60, `only ${checked} edits checked`);
    });
  }

  it('drops the statements a comment typed before them swallows, with no syntax error in either tree', async () => {
    const engine = await analyzer();
    const text = typescriptModule(4) + '\n/* a closing comment */\n';
    const session = engine.createSession('typescript');
    try {
      const before = session.update(text, OPTIONS);
      const at = text.indexOf('const SYSTEM_PROMPT_1');
      const change: TextChange = { start: at, oldEnd: at, newText: '/*' };
      const edited = apply(text, change);
      const after = session.update(edited, OPTIONS, [change]);
      assert.deepStrictEqual(after, engine.analyze(edited, 'typescript', OPTIONS));
      assert.ok(after.prompts.length < before.prompts.length, 'the prompts after the opened comment are gone');
    } finally {
      session.dispose();
    }
  });

  it('moves the kept report through a line added above it, to the lines and offsets a fresh analysis gives', async () => {
    const engine = await analyzer();
    const text = typescriptModule(3);
    const session = engine.createSession('typescript');
    try {
      const before = session.update(text, OPTIONS);
      const at = text.indexOf('let result = 0;');
      const change: TextChange = { start: at, oldEnd: at, newText: 'const unused = 1;\n  ' };
      const edited = apply(text, change);
      const after = session.update(edited, OPTIONS, [change]);
      assert.deepStrictEqual(after, engine.analyze(edited, 'typescript', OPTIONS));
      // The prompts before the edit are the very objects reported before; those after moved one line down.
      const first = after.prompts.findIndex((prompt) => prompt.range.start > at);
      assert.ok(first > 0);
      assert.equal(after.prompts[0], before.prompts[0]);
      assert.equal(after.prompts[first].range.startLine, before.prompts[first].range.startLine + 1);
      assert.notEqual(after.prompts[first], before.prompts[first]);
      // A report handed out is never changed by a later edit.
      assert.deepStrictEqual(before, engine.analyze(text, 'typescript', OPTIONS));
    } finally {
      session.dispose();
    }
  });

  for (const [language, text, spot] of [
    ['python', pythonModule(2), 'counter_0 = 0'],
    ['typescript', typescriptModule(2), 'counter0 = 0'],
  ] as [SourceLanguage, string, string][]) {
    it(`moves a ${language} prompt sideways when the statement before it on its line grows`, async () => {
      const engine = await analyzer();
      const session = engine.createSession(language);
      try {
        const before = session.update(text, OPTIONS);
        const at = text.indexOf(spot) + spot.length;
        const change: TextChange = { start: at, oldEnd: at, newText: '00' };
        const edited = apply(text, change);
        const after = session.update(edited, OPTIONS, [change]);
        assert.deepStrictEqual(after, engine.analyze(edited, language, OPTIONS));
        const greeting = (result: AnalysisResult) => result.prompts.find((prompt) => prompt.name.startsWith('GREETING_PROMPT_0'));
        assert.equal(greeting(after)?.range.startColumn, (greeting(before)?.range.startColumn ?? NaN) + 2);
      } finally {
        session.dispose();
      }
    });
  }

  it('reassembles a prompt from every call that sends it when one of them is edited', async () => {
    const engine = await analyzer();
    const text = [
      'import anthropic',
      'client = anthropic.Anthropic()',
      'SYSTEM_PROMPT = "You are a careful assistant who answers every question in two plain sentences."',
      '',
      'def first(question):',
      '    return client.messages.create(model="claude-sonnet-4-6", max_tokens=100, system=SYSTEM_PROMPT, messages=[{"role": "user", "content": question}])',
      '',
      'def second(question):',
      '    return client.messages.create(model="claude-sonnet-4-6", max_tokens=100, system=[{"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}], messages=[{"role": "user", "content": question}])',
      '',
    ].join('\n');
    const session = engine.createSession('python');
    try {
      session.update(text, OPTIONS);
      // The first call sends the prompt uncached, the second cached: the prompt is cached because of the call not edited.
      const at = text.indexOf('max_tokens=100') + 'max_tokens=10'.length;
      const change: TextChange = { start: at, oldEnd: at, newText: '0' };
      const edited = apply(text, change);
      const after = session.update(edited, OPTIONS, [change]);
      assert.deepStrictEqual(after, engine.analyze(edited, 'python', OPTIONS));
      assert.equal(after.prompts.find((prompt) => prompt.name === 'SYSTEM_PROMPT')?.cached, true);
    } finally {
      session.dispose();
    }
  });

  it('drops a finding when the edit to another statement removes its cause', async () => {
    const engine = await analyzer();
    const text = pythonModule(2);
    const session = engine.createSession('python');
    try {
      const before = session.update(text, OPTIONS);
      assert.ok(before.findings.some((finding) => finding.code === 'BL101' && finding.range.start > text.indexOf('def total_1')), 'the loop calling ask_1 is a batch candidate');
      // Renaming the helper the loop calls ends the batch candidate at the loop, far from the edit.
      const at = text.indexOf('def ask_1') + 'def '.length;
      const change: TextChange = { start: at, oldEnd: at + 'ask_1'.length, newText: 'asked_1' };
      const edited = apply(text, change);
      const after = session.update(edited, OPTIONS, [change]);
      assert.deepStrictEqual(after, engine.analyze(edited, 'python', OPTIONS));
      assert.equal(after.findings.filter((finding) => finding.code === 'BL101').length, before.findings.filter((finding) => finding.code === 'BL101').length - 1);
    } finally {
      session.dispose();
    }
  });
});
