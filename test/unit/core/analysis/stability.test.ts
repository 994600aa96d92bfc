import { strict as assert } from 'node:assert';
import { OPTIONS, analyzer } from './support';
import { toSarif } from '../../../../src/cli/commands/lint';
import type { AnalysisResult, Finding, SourceLanguage } from '../../../../src/core/analysis/types';

/** Findings as `CODE severity "source text"` so each case says what is flagged and where. */
async function lint(text: string, language: SourceLanguage = 'python'): Promise<{ result: AnalysisResult; labels: string[] }> {
  const result = (await analyzer()).analyze(text, language, OPTIONS);
  return { result, labels: result.findings.map((finding) => `${finding.code} ${finding.severity} ${JSON.stringify(text.slice(finding.range.start, finding.range.end))}`) };
}

function find(result: AnalysisResult, code: string): Finding {
  const finding = result.findings.find((candidate) => candidate.code === code);
  assert.ok(finding, `no ${code}`);
  return finding;
}

const PY_HEAD = 'import anthropic\nfrom datetime import datetime, date\nclient = anthropic.Anthropic()\nGUIDE = """You are the support agent for a printer company. Answer from the manual."""\n';
const cachedSystem = (text: string): string => `system=[{"type": "text", "text": ${text}, "cache_control": {"type": "ephemeral"}}]`;

describe('value stability', () => {
  it('constant: module constants and import-time clocks are stable', async () => {
    const { labels } = await lint(`${PY_HEAD}STARTED = datetime.now()\ndef ask(q):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} Started {STARTED}"')}, messages=[{"role": "user", "content": q}])\n`);
    assert.deepEqual(labels.filter((label) => label.startsWith('BL001')), []);
  });

  it('process/session: environment, config and attributes set once earn nothing', async () => {
    const { labels } = await lint(`${PY_HEAD}import os\ndef ask(q):\n    team = os.environ["TEAM"]\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} Team {team}"')}, messages=[{"role": "user", "content": q}])\n`);
    assert.deepEqual(labels.filter((label) => label.startsWith('BL001') || label.startsWith('BL005')), []);
  });

  it('unknown: a bare parameter in the cached system text is silent, and BL003 does not count it as empty', async () => {
    const { labels } = await lint(`${PY_HEAD}def ask(q, user_name):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} User {user_name}"')}, messages=[{"role": "user", "content": q}])\n`);
    assert.deepEqual(labels, []);
  });

  it('unknown behind reportUnknownValues: an info that says what would make the parameter a problem', async () => {
    const text = `${PY_HEAD}def ask(q, user_name):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} User {user_name}"')}, messages=[{"role": "user", "content": q}])\n`;
    const result = (await analyzer()).analyze(text, 'python', { ...OPTIONS, reportUnknownValues: true });
    const labels = result.findings.map((finding) => `${finding.code} ${finding.severity} ${text.slice(finding.range.start, finding.range.end)}`);
    assert.deepEqual(labels, ['BL001 info user_name']);
    assert.match(result.findings[0].message, /parameter `user_name` in the cached system prompt is unknown/);
    assert.match(result.findings[0].message, /per-request|clock, a uuid/);
    assert.ok(result.findings[0].related?.some((related) => /breakpoint/.test(related.message)));
  });

  it('self attributes: set once in __init__ they are stable; set on every call in the sending method they are as stable as their value', async () => {
    const cls = (body: string, use: string): string =>
      `${PY_HEAD}class Agent:\n    def __init__(self, name):\n        self.name = name\n        self.started = datetime.now()\n    def ask(self, q):\n${body}        return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem(use)}, messages=[{"role": "user", "content": q}])\n`;
    const once = await lint(cls('', 'f"{GUIDE} Agent {self.name}, up since {self.started}"'));
    assert.deepEqual(once.labels.filter((label) => label.startsWith('BL001') || label.startsWith('BL005')), []);
    const perCall = await lint(cls('        self.stamp = datetime.now()\n', 'f"{GUIDE} Asked at {self.stamp}"'));
    assert.deepEqual(perCall.labels.filter((label) => label.startsWith('BL001')), ['BL001 warning "datetime.now()"']);
  });

  it('a system_prompt parameter of an adapter is the stable part: no "only breakpoint" claim', async () => {
    const { labels } = await lint(`${PY_HEAD}def complete(system_prompt, messages):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('system_prompt')}, messages=messages)\n`);
    assert.deepEqual(labels, []);
  });

  it('per-request: clocks, uuids, input() and loop variables are warnings at the expression', async () => {
    for (const [expression, reason] of [['datetime.now()', /clock/], ['uuid.uuid4()', /random/], ['input("> ")', /user input/]] as const) {
      const text = `${PY_HEAD}import uuid\ndef ask(q):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem(`f"{GUIDE} {${expression}}"`)}, messages=[{"role": "user", "content": q}])\n`;
      const { result: analysed } = await lint(text);
      const finding = find(analysed, 'BL001');
      assert.equal(finding.severity, 'warning');
      assert.equal(text.slice(finding.range.start, finding.range.end), expression);
      assert.match(finding.message, reason);
    }
  });

  it('day resolution: date.today() and a strftime date are an info that says the cache breaks once a day', async () => {
    for (const expression of ['date.today()', 'datetime.now().strftime("%Y-%m-%d")']) {
      const { result } = await lint(`${PY_HEAD}def ask(q):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem(`f"{GUIDE} Today {${expression}}"`)}, messages=[{"role": "user", "content": q}])\n`);
      const finding = find(result, 'BL001');
      assert.equal(finding.severity, 'info', expression);
      assert.match(finding.message, /once a day/);
    }
    const { result } = await lint(`${PY_HEAD}def ask(q):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} {datetime.now().strftime(\'%H:%M:%S\')}"')}, messages=[{"role": "user", "content": q}])\n`);
    assert.equal(find(result, 'BL001').severity, 'warning');
  });

  it('follows a parameter to its callers: its use in the prompt is the primary location, the caller argument and the breakpoint are related', async () => {
    const text = `${PY_HEAD}def ask(q, stamp):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} {stamp}"')}, messages=[{"role": "user", "content": q}])\n\ndef main():\n    for line in open("questions.txt"):\n        ask(line, datetime.now())\n`;
    const { result } = await lint(text);
    const finding = find(result, 'BL001');
    assert.equal(text.slice(finding.range.start, finding.range.end), 'stamp');
    assert.match(finding.message, /parameter `stamp`, which a caller passes a clock reading/);
    const related = (finding.related ?? []).map((item) => [item.message, text.slice(item.range.start, item.range.end)]);
    assert.deepEqual(related[0], ['a clock reading (`datetime.now()`), passed to `ask` as `stamp`', 'datetime.now()']);
    assert.ok(related.some(([message, source]) => /breakpoint/.test(message) && source.startsWith('"cache_control"')), JSON.stringify(related));
  });

  it('follows a helper return: the clock inside build_system_prompt is reported, the call is a step', async () => {
    const text = `${PY_HEAD}def build_system_prompt():\n    return f"{GUIDE} Now: {datetime.now()}"\n\ndef ask(q):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('build_system_prompt()')}, messages=[{"role": "user", "content": q}])\n`;
    const { result } = await lint(text);
    const finding = find(result, 'BL001');
    assert.equal(text.slice(finding.range.start, finding.range.end), 'datetime.now()');
    assert.deepEqual(finding.related?.map((item) => text.slice(item.range.start, item.range.end))[0], 'build_system_prompt()');
  });

  it("role: the ticket in a one-shot classify's only user turn is per-request (BL005)", async () => {
    const { result } = await lint(`${PY_HEAD}def classify(ticket):\n    return client.messages.create(model="claude-haiku-4-5", max_tokens=5, system=GUIDE, messages=[{"role": "user", "content": [{"type": "text", "text": ticket, "cache_control": {"type": "ephemeral"}}]}])\n`);
    const finding = find(result, 'BL005');
    assert.match(finding.message, /`ticket`/);
  });

  it('a request body in a handler is per-request', async () => {
    const text = `${PY_HEAD}def handle(request):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} {request.json[\'topic\']}"')}, messages=[{"role": "user", "content": "hi"}])\n`;
    const { result } = await lint(text);
    assert.match(find(result, 'BL001').message, /request body/);
  });
});

describe('truthful messages', () => {
  it('never says "only breakpoint" when other breakpoints exist, nor "move it to the system prompt" when it is there', async () => {
    // A one-shot request, so BL005 fires (after `history + [...]` the turn is read back next turn and nothing is reported).
    const text = `${PY_HEAD}def chat(system_prompt, history, q):\n    messages = [{"role": "user", "content": [{"type": "text", "text": f"{datetime.now()}", "cache_control": {"type": "ephemeral"}}]}]\n    for m in messages[-3:-1]:\n        m["content"][-1]["cache_control"] = {"type": "ephemeral"}\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('system_prompt')}, messages=messages)\n`;
    const { result } = await lint(text);
    assert.ok(result.findings.some((finding) => finding.code === 'BL005'), 'the breakpoint on the per-request clock must be reported, or there is no message to check');
    for (const finding of result.findings) {
      assert.doesNotMatch(finding.message, /only cache breakpoint/);
      assert.doesNotMatch(finding.message, /such as the system prompt/);
    }
  });

  it('tells a breakpoint already on a per-request system prompt to move the varying part out, not to move the breakpoint to the system prompt', async () => {
    const { result } = await lint(`${PY_HEAD}def ask(q):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{datetime.now()}"')}, messages=[{"role": "user", "content": q}])\n`);
    const bl005 = find(result, 'BL005');
    assert.match(bl005.message, /Move the per-request part out of the system prompt/);
    assert.doesNotMatch(bl005.message, /a system prompt or shared document placed before/);
  });

  it('reports a short prefix with a per-request value once (BL001 with the minimum), not BL001 and BL003', async () => {
    const { result } = await lint(`${PY_HEAD}def ask(q):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} {datetime.now()}"')}, messages=[{"role": "user", "content": q}])\n`);
    assert.deepEqual(result.findings.map((finding) => finding.code), ['BL001']);
  });

  it('BL003 speaks only about a fully known prefix, as an estimate with the catalog minimum', async () => {
    const { result } = await lint(`${PY_HEAD}def ask():\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('GUIDE')}, messages=[{"role": "user", "content": "Which tray jams?"}])\n`);
    assert.match(find(result, 'BL003').message, /≈\d+ tokens \(an estimate\), below the 1,024-token minimum/);
    const { result: unknownPart } = await lint(`${PY_HEAD}def ask(book):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} {book}"')}, messages=[{"role": "user", "content": "Themes?"}])\n`);
    assert.deepEqual(unknownPart.findings, []);
  });

  it('BL003 says the minimum is unknown for a catalog model without a published one, only for a fully known prefix', async () => {
    const known = await lint(`${PY_HEAD}def ask():\n    return client.messages.create(model="claude-sonnet-5-5", max_tokens=5, ${cachedSystem('GUIDE')}, messages=[{"role": "user", "content": "Which tray jams?"}])\n`);
    const bl003 = find(known.result, 'BL003');
    assert.equal(bl003.severity, 'info');
    assert.match(bl003.message, /minimum cacheable prefix for claude-sonnet-5-5 is unknown/);
    assert.match(bl003.message, /≈\d+ tokens \(an estimate\)/);
    assert.doesNotMatch(bl003.message, /below the/);
    const unknownPart = await lint(`${PY_HEAD}def ask(book):\n    return client.messages.create(model="claude-sonnet-5-5", max_tokens=5, ${cachedSystem('f"{GUIDE} {book}"')}, messages=[{"role": "user", "content": "Themes?"}])\n`);
    assert.deepEqual(unknownPart.labels, []);
    // A per-request value is reported once, by BL001, with no claim about the minimum.
    const perRequest = await lint(`${PY_HEAD}def ask(q):\n    return client.messages.create(model="claude-sonnet-5-5", max_tokens=5, ${cachedSystem('f"{GUIDE} {datetime.now()}"')}, messages=[{"role": "user", "content": q}])\n`);
    assert.deepEqual(perRequest.result.findings.map((finding) => finding.code), ['BL001']);
    assert.doesNotMatch(find(perRequest.result, 'BL001').message, /minimum/);
  });

  it('carries related locations into SARIF relatedLocations', async () => {
    const text = `${PY_HEAD}def ask(q, stamp):\n    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem('f"{GUIDE} {stamp}"')}, messages=[{"role": "user", "content": q}])\n\nask("x", datetime.now())\n`;
    const { result } = await lint(text);
    const sarif = toSarif([{ file: { displayPath: 'a.py', absolutePath: '/nonexistent/a.py', language: 'python' }, parts: [{ prompts: [], findings: result.findings }], text, reachesModel: true }] as never);
    const located = sarif.runs[0].results[0] as { relatedLocations?: { message: { text: string } }[] };
    assert.ok(located.relatedLocations && located.relatedLocations.length >= 2);
    assert.match(located.relatedLocations[0].message.text, /passed to `ask` as `stamp`/);
  });
});

describe('breakpoint shapes', () => {
  const request = (system: string, setup = ''): string => `${PY_HEAD}from anthropic.types import TextBlockParam, CacheControlEphemeralParam\nimport copy\ndef ask(q):\n${setup}    return client.messages.create(model="claude-sonnet-4-6", max_tokens=5, system=${system}, messages=[{"role": "user", "content": q}])\n`;
  const cases: [string, string][] = [
    ['constructor keywords', request('[TextBlockParam(type="text", text=f"{GUIDE} {datetime.now()}", cache_control=CacheControlEphemeralParam(type="ephemeral"))]')],
    ['an identifier bound to the cache_control object', request('[{"type": "text", "text": f"{GUIDE} {datetime.now()}", "cache_control": CACHE}]', '    CACHE = {"type": "ephemeral"}\n')],
    ['subscript assignment after construction', request('blocks', '    blocks = [{"type": "text", "text": f"{GUIDE} {datetime.now()}"}]\n    if q:\n        blocks[-1]["cache_control"] = {"type": "ephemeral"}\n')],
    ['a ** merge', request('[{**BASE, "text": f"{GUIDE} {datetime.now()}"}]', '    BASE = {"type": "text", "cache_control": {"type": "ephemeral"}}\n')],
    ['a deep copy', request('copy.deepcopy(blocks)', '    blocks = [{"type": "text", "text": f"{GUIDE} {datetime.now()}", "cache_control": {"type": "ephemeral"}}]\n')],
    ['an appended block', request('blocks', '    blocks = []\n    blocks.append({"type": "text", "text": f"{GUIDE} {datetime.now()}", "cache_control": {"type": "ephemeral"}})\n')],
  ];
  for (const [shape, text] of cases) {
    it(`sees a breakpoint made by ${shape}`, async () => {
      const { result } = await lint(text);
      const finding = find(result, 'BL001');
      assert.equal(text.slice(finding.range.start, finding.range.end), 'datetime.now()');
    });
  }

  it('sees JS spreads and a property set after construction', async () => {
    const text = "import Anthropic from '@anthropic-ai/sdk';\nconst client = new Anthropic();\nconst GUIDE = 'You are the support agent for a printer company.';\nexport async function ask(q: string) {\n  const block: any = { type: 'text', text: `${GUIDE} ${Date.now()}` };\n  block.cache_control = { type: 'ephemeral' };\n  const system = [{ ...block }];\n  return client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, system, messages: [{ role: 'user', content: q }] });\n}\n";
    const { result } = await lint(text, 'typescript');
    assert.equal(text.slice(find(result, 'BL001').range.start, find(result, 'BL001').range.end), 'Date.now()');
  });
});

describe('request shapes', () => {
  const system = 'f"{GUIDE} {datetime.now()}"';
  const cases: [string, string, SourceLanguage][] = [
    ['an SDK alias chosen by a condition', `${PY_HEAD}def ask(q, betas):\n    api = client.beta.messages if betas else client.messages\n    return api.stream(model="claude-sonnet-4-6", max_tokens=5, ${cachedSystem(system)}, messages=[{"role": "user", "content": q}])\n`, 'python'],
    ['a Bedrock client', `${PY_HEAD}bedrock = anthropic.AnthropicBedrock()\ndef ask(q):\n    return bedrock.messages.create(model="anthropic.claude-sonnet-4-6", max_tokens=5, ${cachedSystem(system)}, messages=[{"role": "user", "content": q}])\n`, 'python'],
    ['batch params', `${PY_HEAD}def run(items):\n    return client.messages.batches.create(requests=[{"custom_id": "a", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, ${cachedSystem(system).replace('system=', '"system": ')}, "messages": [{"role": "user", "content": "hi"}]}}])\n`, 'python'],
    ['litellm completion with a Claude model', `${PY_HEAD}import litellm\ndef ask(q):\n    return litellm.completion(model="anthropic/claude-sonnet-4-6", messages=[{"role": "system", "content": [{"type": "text", "text": ${system}, "cache_control": {"type": "ephemeral"}}]}, {"role": "user", "content": q}])\n`, 'python'],
    ['requests.post to /v1/messages', `${PY_HEAD}import requests\ndef ask(q):\n    body = {"model": "claude-sonnet-4-6", "max_tokens": 5, ${cachedSystem(system).replace('system=', '"system": ')}, "messages": [{"role": "user", "content": q}]}\n    return requests.post("https://api.anthropic.com/v1/messages", json=body)\n`, 'python'],
    ['httpx with data=json.dumps(body)', `${PY_HEAD}import httpx, json\nasync def ask(http, q):\n    body = {"model": "claude-sonnet-4-6", "max_tokens": 5, ${cachedSystem(system).replace('system=', '"system": ')}, "messages": [{"role": "user", "content": q}]}\n    return await http.post(f"{BASE}/v1/messages", data=json.dumps(body))\n`, 'python'],
    ['LangChain ChatAnthropic with cache_control blocks', `${PY_HEAD}from langchain_anthropic import ChatAnthropic\nfrom langchain_core.messages import SystemMessage, HumanMessage\nllm = ChatAnthropic(model="claude-sonnet-4-6")\ndef ask(q):\n    return llm.invoke([SystemMessage(content=[{"type": "text", "text": ${system}, "cache_control": {"type": "ephemeral"}}]), HumanMessage(content=q)])\n`, 'python'],
    ['fetch with JSON.stringify', "const GUIDE = 'You are the support agent for a printer company.';\nexport async function ask(q) {\n  return fetch('https://api.anthropic.com/v1/messages', { method: 'POST', body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 5, system: [{ type: 'text', text: `${GUIDE} ${Date.now()}`, cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: q }] }) });\n}\n", 'javascript'],
    ['axios.post', "const axios = require('axios');\nconst GUIDE = 'You are the support agent for a printer company.';\nasync function ask(q) {\n  return axios.post('https://api.anthropic.com/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 5, system: [{ type: 'text', text: `${GUIDE} ${Date.now()}`, cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: q }] });\n}\n", 'javascript'],
    ['the Vercel AI SDK providerOptions', "import { generateText } from 'ai';\nimport { anthropic } from '@ai-sdk/anthropic';\nconst GUIDE = 'You are the support agent for a printer company.';\nexport async function ask(q: string) {\n  return generateText({ model: anthropic('claude-sonnet-4-6'), messages: [{ role: 'system', content: `${GUIDE} ${Date.now()}`, providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } } }, { role: 'user', content: q }] });\n}\n", 'typescript'],
  ];
  for (const [shape, text, language] of cases) {
    it(`analyses a request sent through ${shape}`, async () => {
      const { result } = await lint(text, language);
      const finding = result.findings.find((candidate) => candidate.code === 'BL001' || candidate.code === 'BL005');
      assert.ok(finding, `nothing found: ${JSON.stringify(result.findings.map((item) => item.code))}`);
      assert.match(text.slice(finding.range.start, finding.range.end), /datetime\.now\(\)|Date\.now\(\)|cache_control|cacheControl/);
    });
  }

  it('ignores litellm calls to other providers and HTTP posts to other endpoints', async () => {
    const { labels } = await lint(`${PY_HEAD}import litellm, requests\ndef ask(q):\n    litellm.completion(model="gpt-4o", messages=[{"role": "system", "content": [{"type": "text", "text": f"{datetime.now()}", "cache_control": {"type": "ephemeral"}}]}])\n    requests.post("https://example.com/v1/chat", json={"system": [{"type": "text", "text": f"{datetime.now()}", "cache_control": {"type": "ephemeral"}}], "messages": []})\n`);
    assert.deepEqual(labels, []);
  });
});

describe('hints that earn their place', () => {
  const create = (args: string): string => `client.messages.create(model="claude-haiku-4-5", max_tokens=100, ${args})`;

  it('BL101 for independent iterations over a collection', async () => {
    const { labels } = await lint(`${PY_HEAD}def run(docs):\n    out = []\n    for doc in docs:\n        out.append(${create('messages=[{"role": "user", "content": doc}]')})\n    return out\n`);
    assert.deepEqual(labels.filter((label) => label.startsWith('BL101')).length, 1);
  });

  it('no BL101 for a conversation that feeds each answer back, nor for a retry loop', async () => {
    const conversation = `${PY_HEAD}def chat(turns):\n    history = []\n    for turn in turns:\n        history.append({"role": "user", "content": turn})\n        reply = ${create('messages=history')}\n        history.append({"role": "assistant", "content": reply.content})\n`;
    const retry = `${PY_HEAD}def ask(q):\n    for attempt in range(3):\n        reply = ${create('messages=[{"role": "user", "content": q}]')}\n        if reply.stop_reason == "end_turn":\n            return reply\n`;
    for (const text of [conversation, retry]) assert.deepEqual((await lint(text)).labels.filter((label) => label.startsWith('BL101')), []);
  });

  it('BL100 needs classification instructions and a small or fixed output, not a keyword in the data', async () => {
    const opus = (system: string, maxTokens: number, user = 'q'): string => `${PY_HEAD}def f(q):\n    return client.messages.create(model="claude-opus-4-7", max_tokens=${maxTokens}, system="${system}", messages=[{"role": "user", "content": ${user}}])\n`;
    assert.equal((await lint(opus('Classify the ticket. Reply with only the label.', 10))).labels.filter((label) => label.startsWith('BL100')).length, 1);
    assert.deepEqual((await lint(opus('Write a long report. Extract facts first, then argue in depth.', 4000))).labels.filter((label) => label.startsWith('BL100')), []);
    assert.deepEqual((await lint(opus('Summarise the thread for an executive.', 2000, 'f"Label this if you like: {q}"'))).labels.filter((label) => label.startsWith('BL100')), []);
  });
});
