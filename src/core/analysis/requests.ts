import type { Binding, CallSite, DictEntry, Expr, Kwarg, Span } from './ir';
import { type Located, type ModuleEnv, type ResolvedDict, type ResolvedList, type TextValue, lookup, resolveDict, resolveList, staticString, stringify } from './resolve';

export type Section = 'tools' | 'system' | 'messages';

export type Ttl = '5m' | '1h';

/** A `cache_control` marker: on a block, or the request's top-level one (automatic mode). */
export interface Breakpoint {
  ttl: Ttl;
  /** The `cache_control` entry or keyword argument, removed by the BL002 fix. */
  entry: Span;
  /** The dict holding the entry (block dict, or the request dict in automatic mode). */
  holder?: Extract<Expr, { kind: 'dict' }>;
  /** The `{"type": "ephemeral", ...}` value, edited by the BL004 fix. */
  control?: Extract<Expr, { kind: 'dict' }>;
  ttlEntry?: DictEntry;
  automatic: boolean;
}

/** One content block of the prompt prefix, in API order. */
export interface Block {
  section: Section;
  /** The content that is hashed: a text block's `text`, a string message, or the whole block (tools, images). */
  content: Located;
  /** The block dict, when the block is written as one. */
  dict?: Extract<Expr, { kind: 'dict' }>;
  /** The list literal the block sits in, when it is one (the BL001 fix adds a block after it). */
  list?: Extract<Expr, { kind: 'list' }>;
  breakpoint?: Breakpoint;
  messageIndex?: number;
  role?: string;
  /** A block written once in a comprehension or a loop: stands for many at run time. */
  perItem: boolean;
}

/** A Messages request as the code builds it. */
export interface RequestModel {
  site: CallSite;
  method: string;
  model?: string;
  modelSpan?: Span;
  blocks: Block[];
  automatic?: Breakpoint;
  /** Sections whose blocks could not all be resolved (imported lists, parameters). */
  unresolved: Set<Section>;
  /** `messages` holds prior turns not written here (a spread history, appends in a loop, a parameter). */
  conversation: boolean;
  messageCount: number;
  /** The `max_tokens` value and the output-shaping options, for judging the task (BL100). */
  maxTokens?: Span;
  shapesOutput?: boolean;
  /** True when the code around the call sets `cache_control` in places not attributed to a block here (so the breakpoint count is not known). */
  uncountedBreakpoints?: boolean;
  /** The request's parameters as resolved (read by the API rules, apiRules.ts). */
  params?: ResolvedDict;
  /** Each block's content as text, once rendered (see blockTexts). */
  texts?: TextValue[];
}

/**
 * Each block's content rendered as text, in block order. Rendering follows names through the
 * module and is the dearest step of judging a call; the rules and the prompt pricing both read
 * it, so it is done once per request.
 */
export function blockTexts(request: RequestModel, env: ModuleEnv): TextValue[] {
  return (request.texts ??= request.blocks.map((block) => stringify(block.content, env)));
}

/** Builds the request(s) of an SDK call: one for messages.*, one per written request for batches.create. */
export function requestsOf(site: CallSite, env: ModuleEnv): RequestModel[] {
  switch (site.kind) {
    case 'litellm':
      return litellmRequest(site, env);
    case 'http':
      return httpRequest(site, env);
    case 'vercel':
      return vercelRequest(site, env);
    case 'langchain':
      return langchainRequest(site, env);
    default:
      return sdkRequests(site, env);
  }
}

function sdkRequests(site: CallSite, env: ModuleEnv): RequestModel[] {
  const { call } = site;
  const at = call.callee.indexOf('messages.');
  // An alias (`api.create`) stands for `messages.create`.
  const method = at >= 0 ? call.callee.slice(at) : `messages.${call.callee.slice(call.callee.lastIndexOf('.') + 1)}`;
  const args = callArguments(call, site, env);
  if (!args) return [];
  if (method.startsWith('messages.batches')) {
    const requests = args.entries.get('requests');
    const list = requests ? resolveList(requests.value, env) : undefined;
    if (!list) return [];
    const out: RequestModel[] = [];
    for (const item of list.items) {
      const itemDict = resolveDict(item, env);
      const params = itemDict?.entries.get('params');
      const paramsDict = params ? resolveDict(params.value, env) : undefined;
      if (paramsDict) out.push(buildRequest(site, 'messages.create', paramsDict, env));
    }
    return out;
  }
  return [buildRequest(site, method, args, env)];
}

/** The call's arguments as one dict: Python keywords (and `**params`), or the JS options object. */
function callArguments(call: Extract<Expr, { kind: 'call' }>, site: CallSite, env: ModuleEnv): ResolvedDict | undefined {
  if (call.kwargs.length > 0 || call.args.length === 0) {
    const entries = new Map<string, { entry: DictEntry; value: Located }>();
    let open = false;
    for (const arg of call.args) {
      if (arg.kind === 'spread') {
        const inner = resolveDict({ expr: arg.value, scope: site.scope }, env);
        if (inner) for (const [key, value] of inner.entries) entries.set(key, value);
        else open = true;
      }
    }
    for (const kwarg of call.kwargs) entries.set(kwarg.name, { entry: kwargEntry(kwarg), value: { expr: kwarg.value, scope: site.scope } });
    return { entries, open };
  }
  return resolveDict({ expr: call.args[0], scope: site.scope }, env);
}

function kwargEntry(kwarg: Kwarg): DictEntry {
  return { key: kwarg.name, start: kwarg.start, end: kwarg.end, value: kwarg.value };
}

function buildRequest(site: CallSite, method: string, args: ResolvedDict, env: ModuleEnv): RequestModel {
  const request: RequestModel = { site, method, blocks: [], unresolved: new Set(), conversation: false, messageCount: 0, params: args };
  const model = args.entries.get('model');
  if (model) {
    request.model = staticString(model.value, env);
    request.modelSpan = { start: model.value.expr.start, end: model.value.expr.end };
  }
  const maxTokens = args.entries.get('max_tokens') ?? args.entries.get('maxTokens');
  if (maxTokens?.value.expr.kind === 'num') request.maxTokens = { start: maxTokens.value.expr.start, end: maxTokens.value.expr.end };
  // A forced tool, a JSON schema or a structured-output format: the answer is a fixed shape.
  const entries = args.entries;
  request.shapesOutput = entries.has('tool_choice') || entries.has('output_format') || entries.has('response_format') || entries.has('output_config');
  const tools = args.entries.get('tools');
  if (tools) addList(request, 'tools', tools.value, env);
  const system = args.entries.get('system');
  if (system) addContent(request, 'system', system.value, env);
  const messages = args.entries.get('messages');
  if (messages) addMessages(request, messages.value, env);
  const automatic = args.entries.get('cache_control');
  if (automatic) {
    const control = resolveDict(automatic.value, env);
    request.automatic = withTtl(ttlOf(control, env), { entry: { start: automatic.entry.start, end: automatic.entry.end }, holder: args.literal, control: control?.literal, automatic: true });
  }
  return request;
}

/** A breakpoint with the TTL fields of `ttl` (set field by field: object spread is slow in this hot path). */
function withTtl<T extends Omit<Breakpoint, 'ttl' | 'ttlEntry'>>(ttl: { ttl: Ttl; ttlEntry?: DictEntry }, rest: T): T & { ttl: Ttl; ttlEntry?: DictEntry } {
  const out = rest as T & { ttl: Ttl; ttlEntry?: DictEntry };
  out.ttl = ttl.ttl;
  if (ttl.ttlEntry) out.ttlEntry = ttl.ttlEntry;
  return out;
}

function ttlOf(control: ResolvedDict | undefined, env: ModuleEnv): { ttl: Ttl; ttlEntry?: DictEntry } {
  const ttl = control?.entries.get('ttl');
  if (!ttl) return { ttl: '5m' };
  return { ttl: staticString(ttl.value, env) === '1h' ? '1h' : '5m', ttlEntry: ttl.entry };
}

function addList(request: RequestModel, section: Section, loc: Located, env: ModuleEnv): void {
  const list = resolveList(loc, env);
  if (!list) {
    request.unresolved.add(section);
    return;
  }
  if (list.open) request.unresolved.add(section);
  for (const item of list.items) addBlock(request, section, item, list, env);
}

/** `system` or a message `content`: a string (one block, cannot carry cache_control) or a block list. */
function addContent(request: RequestModel, section: Section, loc: Located, env: ModuleEnv, message?: { index: number; role?: string; perItem: boolean }): void {
  const list = resolveList(loc, env);
  if (list) {
    if (list.open) request.unresolved.add(section);
    for (const item of list.items) addBlock(request, section, item, list, env, message);
    return;
  }
  request.blocks.push({ section, content: loc, messageIndex: message?.index, role: message?.role, perItem: message?.perItem ?? false });
}

function addBlock(request: RequestModel, section: Section, item: Located, list: ResolvedList, env: ModuleEnv, message?: { index: number; role?: string; perItem: boolean }): void {
  const dict = resolveDict(item, env);
  const perItem = list.perItem || (message?.perItem ?? false);
  // Written out rather than spread from a shared base: this runs per block of every request.
  if (!dict) {
    request.blocks.push({ section, messageIndex: message?.index, role: message?.role, perItem, list: list.literal, content: item });
    return;
  }
  const text = dict.entries.get('text');
  const control = dict.entries.get('cache_control');
  const block: Block = { section, messageIndex: message?.index, role: message?.role, perItem, list: list.literal, content: section !== 'tools' && text ? text.value : item, dict: dict.literal };
  if (control) {
    const controlDict = resolveDict(control.value, env);
    // A holder only when the entry is written in that literal (a later `block["cache_control"] = …` is not).
    const holder = dict.literal && writtenIn(dict.literal, control.entry.start) ? dict.literal : undefined;
    block.breakpoint = withTtl(ttlOf(controlDict, env), { entry: { start: control.entry.start, end: control.entry.end }, holder, control: controlDict?.literal, automatic: false });
  } else {
    const marker = vercelCacheControl(dict, env);
    if (marker) block.breakpoint = withTtl(ttlOf(marker.control, env), { entry: { start: marker.entry.start, end: marker.entry.end }, control: marker.control?.literal, automatic: false });
  }
  request.blocks.push(block);
}

function writtenIn(literal: Extract<Expr, { kind: 'dict' }>, start: number): boolean {
  for (const entry of literal.entries) if (entry.start === start) return true;
  return false;
}

function addMessages(request: RequestModel, loc: Located, env: ModuleEnv): void {
  const list = resolveList(loc, env);
  if (!list) {
    // The Vercel SDK's `prompt: "…"` and a bare string are one user turn.
    if (loc.expr.kind === 'str') {
      request.blocks.push({ section: 'messages', content: loc, messageIndex: 0, role: 'user', perItem: false });
      request.messageCount = 1;
      return;
    }
    request.unresolved.add('messages');
    request.conversation = true;
    addLoopMarks(request, loc, env);
    return;
  }
  if (list.open) {
    request.unresolved.add('messages');
    request.conversation = true;
  }
  if (list.appended) request.conversation = true;
  let index = 0;
  for (const item of list.items) {
    const message = messageOf(item, env);
    if (!message) {
      request.unresolved.add('messages');
      request.conversation = true;
      continue;
    }
    // OpenAI-style clients (litellm, the Vercel SDK, LangChain) send the system prompt as a message.
    const section: Section = message.role === 'system' ? 'system' : 'messages';
    const before = request.blocks.length;
    if (section === 'system') addContent(request, 'system', message.content, env);
    else addContent(request, 'messages', message.content, env, { index: index++, role: message.role, perItem: list.perItem });
    const marker = message.dict ? vercelCacheControl(message.dict, env) : undefined;
    const last = request.blocks[request.blocks.length - 1];
    if (marker && last && request.blocks.length > before && !last.breakpoint) {
      last.breakpoint = withTtl(ttlOf(marker.control, env), { entry: { start: marker.entry.start, end: marker.entry.end }, control: marker.control?.literal, automatic: false });
    }
  }
  request.messageCount = index;
  addLoopMarks(request, loc, env);
}

/**
 * Breakpoints a loop sets on the last messages (`for m in messages[-2:]: m["content"][-1]["cache_control"] = …`)
 * or a subscript sets on the list (`messages[-1]["content"][-1]["cache_control"] = …`) before the call.
 * They mark the latest turns: the last written message's last block when the list is known and
 * closed, else a block standing for the history's tail (per item, of unknown content).
 */
function addLoopMarks(request: RequestModel, loc: Located, env: ModuleEnv): void {
  const name = rootName(loc.expr);
  const scope = loc.scope ?? request.site.scope;
  if (!name || scope.name === '<module>') return;
  const callStart = request.site.call.start;
  const marks: Binding[] = [];
  const isMark = (binding: Binding): boolean => binding.kind === 'set' && binding.path !== undefined && binding.path[binding.path.length - 1] === 'cache_control' && binding.at < callStart && binding.value !== undefined;
  for (const binding of scope.bindings) {
    if (binding.name === name && isMark(binding)) marks.push(binding);
    if (binding.kind !== 'loop-var' || !binding.iter || rootName(binding.iter) !== name || binding.at > callStart) continue;
    for (const set of scope.bindings) if (set.name === binding.name && isMark(set) && set.at >= binding.at && set.end <= binding.end) marks.push(set);
  }
  if (marks.length === 0) return;
  const mark = marks[marks.length - 1];
  const control = resolveDict({ expr: mark.value as Expr, scope }, env);
  const breakpoint: Breakpoint = withTtl(ttlOf(control, env), { entry: { start: mark.at, end: mark.end }, control: control?.literal, automatic: false });
  const lastMessage = request.blocks.filter((block) => block.section === 'messages').pop();
  if (lastMessage && !request.unresolved.has('messages') && !lastMessage.perItem) {
    lastMessage.breakpoint ??= breakpoint;
    return;
  }
  const tail: Expr = { kind: 'opaque', start: mark.at, end: mark.end, what: 'the latest turns of the conversation' };
  request.blocks.push({ section: 'messages', content: { expr: tail, scope }, perItem: true, breakpoint });
}

/** The variable a collection expression starts from (`messages` in `messages[-2:]`, `msgs.slice(-2)`, `reversed(messages)`). */
function rootName(expr: Expr): string | undefined {
  switch (expr.kind) {
    case 'ref':
      return expr.name;
    case 'index':
    case 'member':
      return rootName(expr.object);
    case 'call':
      if (expr.calleeExpr.kind === 'member' && /^(slice|at|reverse|toReversed|filter)$/.test(expr.calleeExpr.property)) return rootName(expr.calleeExpr.object);
      if (/^(reversed|list|enumerate)$/.test(expr.callee) && expr.args[0]) return rootName(expr.args[0]);
      return undefined;
    default:
      return undefined;
  }
}

/** A message's role and content: a dict, a LangChain message object, or a `("role", content)` tuple. */
function messageOf(item: Located, env: ModuleEnv): { role?: string; content: Located; dict?: ResolvedDict } | undefined {
  const expr = item.expr;
  if (expr.kind === 'call') {
    const match = /(System|Human|AI|Assistant|User|Chat)Message(Param)?$/.exec(expr.callee);
    if (match && !FIELD_LIKE.test(expr.callee)) {
      let content = expr.kwargs.find((kwarg) => kwarg.name === 'content')?.value ?? expr.args[0];
      // LangChain.js takes the fields as one object: `new SystemMessage({ content: [...] })`.
      if (content?.kind === 'dict') content = content.entries.find((entry) => entry.key === 'content')?.value ?? content;
      if (!content) return undefined;
      const role = { System: 'system', Human: 'user', User: 'user', AI: 'assistant', Assistant: 'assistant', Chat: undefined }[match[1]];
      return { role, content: { expr: content, scope: item.scope } };
    }
  }
  if (expr.kind === 'list' && expr.items.length === 2 && !expr.isSet) {
    const role = staticString({ expr: expr.items[0], scope: item.scope }, env);
    if (role && /^(system|user|human|assistant|ai)$/.test(role)) return { role: role === 'human' ? 'user' : role === 'ai' ? 'assistant' : role, content: { expr: expr.items[1], scope: item.scope } };
  }
  const dict = resolveDict(item, env);
  const content = dict?.entries.get('content');
  if (!dict || !content) return undefined;
  const role = dict.entries.get('role');
  return { role: role ? staticString(role.value, env) : undefined, content: content.value, dict };
}

/** `MessageParam(...)` is a plain field constructor, not a LangChain message class. */
const FIELD_LIKE = /(^|\.)(Beta)?MessageParam$/;

/** Claude model ids as other clients spell them (`anthropic/claude-…`, `bedrock/anthropic.claude-…`). */
const CLAUDE_MODEL = /claude|anthropic/i;

/** litellm's `completion(model="claude-…", messages=[…])`: OpenAI-style messages with Anthropic content blocks. */
function litellmRequest(site: CallSite, env: ModuleEnv): RequestModel[] {
  const args = callArguments(site.call, site, env);
  const model = args?.entries.get('model');
  const name = model ? staticString(model.value, env) : undefined;
  if (!args || !name || !CLAUDE_MODEL.test(name)) return [];
  return [buildRequest(site, 'messages.create', args, env)];
}

/** A POST to `…/v1/messages` with the body as a literal, `JSON.stringify(body)`, `json=body` or `data=json.dumps(body)`. */
function httpRequest(site: CallSite, env: ModuleEnv): RequestModel[] {
  const { call } = site;
  const url = call.args[0];
  if (!url) return [];
  const urlText = stringify({ expr: url, scope: site.scope }, env).text;
  if (!/\/v1\/messages\b/.test(urlText) || /batches/.test(urlText)) return [];
  const method = /count_tokens/.test(urlText) ? 'messages.count_tokens' : 'messages.create';
  const bodyExpr = httpBody(site, env);
  if (!bodyExpr) return [];
  const body = resolveDict({ expr: bodyExpr, scope: site.scope }, env);
  if (!body) return [];
  return [buildRequest(site, method, body, env)];
}

function httpBody(site: CallSite, env: ModuleEnv): Expr | undefined {
  const { call } = site;
  const unwrap = (expr: Expr | undefined): Expr | undefined => {
    if (expr?.kind === 'call' && /^(JSON\.stringify|json\.dumps)$/.test(expr.callee)) return expr.args[0];
    return expr;
  };
  const keyword = call.kwargs.find((kwarg) => kwarg.name === 'json' || kwarg.name === 'data' || kwarg.name === 'content');
  if (keyword) return unwrap(keyword.value);
  const second = call.args[1];
  if (!second) return undefined;
  // fetch(url, { method, headers, body }) vs axios.post(url, body).
  if (/fetch$/.test(call.callee)) {
    const options = resolveDict({ expr: second, scope: site.scope }, env);
    return unwrap(options?.entries.get('body')?.value.expr);
  }
  return unwrap(second);
}

/** The Vercel AI SDK: `generateText({ model: anthropic('claude-…'), system, messages })` with `providerOptions.anthropic.cacheControl`. */
function vercelRequest(site: CallSite, env: ModuleEnv): RequestModel[] {
  const options = site.call.args[0] ? resolveDict({ expr: site.call.args[0], scope: site.scope }, env) : undefined;
  const model = options?.entries.get('model');
  if (!options || !model) return [];
  const modelExpr = model.value.expr;
  const modelName = modelExpr.kind === 'call' && modelExpr.args[0] ? staticString({ expr: modelExpr.args[0], scope: site.scope }, env) : staticString(model.value, env);
  const provider = modelExpr.kind === 'call' ? modelExpr.callee : '';
  if (!CLAUDE_MODEL.test(provider) && !(modelName && CLAUDE_MODEL.test(modelName))) return [];
  const request: RequestModel = { site, method: 'messages.create', blocks: [], unresolved: new Set(), conversation: false, messageCount: 0 };
  request.model = modelName;
  request.modelSpan = { start: modelExpr.start, end: modelExpr.end };
  const system = options.entries.get('system');
  if (system) request.blocks.push({ section: 'system', content: system.value, perItem: false });
  const messages = options.entries.get('messages') ?? options.entries.get('prompt');
  if (messages) addMessages(request, messages.value, env);
  return [request];
}

/** `providerOptions: { anthropic: { cacheControl: {…} } }` (or the older `experimental_providerMetadata`) on a message or part. */
function vercelCacheControl(dict: ResolvedDict, env: ModuleEnv): { entry: DictEntry; control: ResolvedDict | undefined } | undefined {
  const options = dict.entries.get('providerOptions') ?? dict.entries.get('experimental_providerMetadata') ?? dict.entries.get('providerMetadata');
  const anthropic = options ? resolveDict(options.value, env)?.entries.get('anthropic') : undefined;
  const control = anthropic ? resolveDict(anthropic.value, env)?.entries.get('cacheControl') : undefined;
  if (!control) return undefined;
  return { entry: control.entry, control: resolveDict(control.value, env) };
}

/** LangChain: `ChatAnthropic(...)` (or a `.bind_tools(...)` of it) invoked with a message list. */
function langchainRequest(site: CallSite, env: ModuleEnv): RequestModel[] {
  const { call } = site;
  if (call.calleeExpr.kind !== 'member') return [];
  const constructor = chatModelOf(call.calleeExpr.object, site, env, 0);
  if (!constructor || !call.args[0]) return [];
  const request: RequestModel = { site, method: 'messages.create', blocks: [], unresolved: new Set(), conversation: false, messageCount: 0 };
  const model = constructor.kwargs.find((kwarg) => kwarg.name === 'model' || kwarg.name === 'model_name');
  if (model) {
    request.model = staticString({ expr: model.value, scope: site.scope }, env);
    request.modelSpan = { start: model.value.start, end: model.value.end };
  }
  addMessages(request, { expr: call.args[0], scope: site.scope }, env);
  return [request];
}

function chatModelOf(expr: Expr, site: CallSite, env: ModuleEnv, depth: number): Extract<Expr, { kind: 'call' }> | undefined {
  if (depth > 6) return undefined;
  if (expr.kind === 'call') {
    if (/(^|\.)ChatAnthropic(Messages)?$/.test(expr.callee)) return expr;
    if (expr.calleeExpr.kind === 'member' && /^(bind_tools|bind|with_structured_output|with_config|with_retry)$/.test(expr.calleeExpr.property)) return chatModelOf(expr.calleeExpr.object, site, env, depth + 1);
    return undefined;
  }
  if (expr.kind === 'ref') {
    const found = lookup(env, expr.name, site.scope, expr.start);
    return found?.binding.value ? chatModelOf(found.binding.value, { ...site, scope: found.scope ?? site.scope }, env, depth + 1) : undefined;
  }
  if (expr.kind === 'member' && expr.object.kind === 'ref' && ['self', 'this'].includes(expr.object.name)) {
    const binding = env.bindings.get(`self.${expr.property}`)?.[0] ?? env.classBindings.get(expr.property)?.[0];
    if (binding?.value) return chatModelOf(binding.value, site, env, depth + 1);
    const local = site.scope.bindings.find((candidate) => candidate.name === `self.${expr.property}`);
    return local?.value ? chatModelOf(local.value, site, env, depth + 1) : undefined;
  }
  return undefined;
}
