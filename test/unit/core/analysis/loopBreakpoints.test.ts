import { strict as assert } from 'node:assert';
import type { Finding, SourceLanguage } from '../../../../src/core/analysis/types';
import { OPTIONS, analyzer } from './support';

async function findings(text: string, language: SourceLanguage): Promise<Finding[]> {
  return (await analyzer()).analyze(text, language, OPTIONS).findings;
}

const pyTurn = (system: string, mark: string): string => `import anthropic
import uuid

client = anthropic.Anthropic()
SYSTEM = "You are a coding agent. " * 300


def turn(messages):
${mark}
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=1000,
        system=[{"type": "text", "text": ${system}}],
        messages=messages,
    )
`;

const jsTurn = (system: string, mark: string): string => `import Anthropic from '@anthropic-ai/sdk';
const client = new Anthropic();
const SYSTEM = 'You are a coding agent. '.repeat(300);

export async function turn(msgs) {
${mark}
  return client.messages.create({
    model: 'claude-sonnet-4-6',
    max_tokens: 1000,
    system: ${system},
    messages: msgs,
  });
}
`;

describe('breakpoints set on the last messages by a loop, a map or a subscript', () => {
  const perRequestSystem = 'f"{SYSTEM} run {uuid.uuid4()}"';
  for (const [label, mark] of [
    ['for m in messages[-2:]', '    for m in messages[-2:]:\n        m["content"][-1]["cache_control"] = {"type": "ephemeral"}'],
    ['for m in reversed(messages)', '    for m in reversed(messages):\n        if m["role"] == "user":\n            m["content"][-1]["cache_control"] = {"type": "ephemeral"}\n            break'],
    ['messages[-1]["content"][-1][…] =', '    messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}'],
  ] as const) {
    it(`Python \`${label}\`: the system prompt before it is a cached prefix, so a uuid in it is BL001`, async () => {
      const result = await findings(pyTurn(perRequestSystem, mark), 'python');
      const bl001 = result.filter((finding) => finding.code === 'BL001');
      assert.equal(bl001.length, 1, JSON.stringify(result));
      assert.equal(bl001[0].severity, 'warning');
      assert.match(bl001[0].message, /uuid\.uuid4\(\)/);
    });
  }

  it('Python: without the loop the system prompt is not cached, so no BL001 (the loop is what makes the prefix)', async () => {
    assert.deepEqual((await findings(pyTurn(perRequestSystem, '    pass'), 'python')).filter((finding) => finding.code === 'BL001'), []);
  });

  it('Python: a stable system prompt before the loop-set breakpoints stays quiet', async () => {
    assert.deepEqual((await findings(pyTurn('SYSTEM', '    for m in messages[-2:]:\n        m["content"][-1]["cache_control"] = {"type": "ephemeral"}'), 'python')).filter((finding) => finding.severity !== 'info'), []);
  });

  it('Python: the loop-set breakpoint keeps its ttl, so a 1h after it is judged in order (BL004)', async () => {
    const text = pyTurn('SYSTEM', '    for m in messages[-2:]:\n        m["content"][-1]["cache_control"] = {"type": "ephemeral", "ttl": "5m"}').replace('"text": SYSTEM}', '"text": SYSTEM, "cache_control": {"type": "ephemeral", "ttl": "1h"}}');
    const fixedOrder = await findings(text, 'python');
    assert.deepEqual(fixedOrder.filter((finding) => finding.code === 'BL004'), [], 'a 1h before a 5m is the right order');
    const wrong = await findings(text.replace('"ttl": "1h"', '"ttl": "5m"').replace('"ttl": "5m"}\n    return', '"ttl": "1h"}\n    return'), 'python');
    assert.equal(wrong.filter((finding) => finding.code === 'BL004').length, 1, JSON.stringify(wrong));
  });

  it('JavaScript `for (const m of msgs.slice(-2))` and TypeScript `msgs.map((m, i) => i >= msgs.length - 2 ? {…} : m)`: BL001 on the clock in the system prompt', async () => {
    const loop = await findings(jsTurn('`${SYSTEM} ${Date.now()}`', "  for (const m of msgs.slice(-2)) {\n    m.content[0].cache_control = { type: 'ephemeral' };\n  }"), 'javascript');
    assert.equal(loop.filter((finding) => finding.code === 'BL001' && finding.severity === 'warning').length, 1, JSON.stringify(loop));
    const mapped = (await analyzer()).analyze(
      `import Anthropic from '@anthropic-ai/sdk';
const client = new Anthropic();
const SYSTEM = 'You are a coding agent. '.repeat(300);
export async function turn(msgs: Anthropic.MessageParam[]) {
  const marked = msgs.map((m, i) => (i >= msgs.length - 2 ? { ...m, content: [{ type: 'text' as const, text: String(m.content), cache_control: { type: 'ephemeral' as const } }] } : m));
  return client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1000, system: \`\${SYSTEM} \${Date.now()}\`, messages: marked });
}
`,
      'typescript',
      OPTIONS,
    ).findings;
    assert.equal(mapped.filter((finding) => finding.code === 'BL001' && finding.severity === 'warning').length, 1, JSON.stringify(mapped));
    const withoutMark = await findings(jsTurn('`${SYSTEM} ${Date.now()}`', '  void 0;'), 'javascript');
    assert.deepEqual(withoutMark.filter((finding) => finding.code === 'BL001'), []);
  });
});
