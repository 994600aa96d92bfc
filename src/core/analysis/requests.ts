import type { CallSite, DictEntry, Expr, Kwarg, Span } from './ir';
import { type Located, type ModuleEnv, type ResolvedDict, type ResolvedList, resolveDict, resolveList, staticString } from './resolve';

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
  /** The request's parameters as resolved (read by the API rules, apiRules.ts). */
  params?: ResolvedDict;
}

/** Builds the request(s) of an SDK call: one for messages.*, one per written request for batches.create. */
export function requestsOf(site: CallSite, env: ModuleEnv): RequestModel[] {
  const { call } = site;
  const method = call.callee.slice(call.callee.indexOf('messages.'));
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
  const tools = args.entries.get('tools');
  if (tools) addList(request, 'tools', tools.value, env);
  const system = args.entries.get('system');
  if (system) addContent(request, 'system', system.value, env);
  const messages = args.entries.get('messages');
  if (messages) addMessages(request, messages.value, env);
  const automatic = args.entries.get('cache_control');
  if (automatic) {
    const control = resolveDict(automatic.value, env);
    request.automatic = { ...ttlOf(control, env), entry: { start: automatic.entry.start, end: automatic.entry.end }, holder: args.literal, control: control?.literal, automatic: true };
  }
  return request;
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
  const base = { section, messageIndex: message?.index, role: message?.role, perItem, list: list.literal };
  if (!dict) {
    request.blocks.push({ ...base, content: item });
    return;
  }
  const text = dict.entries.get('text');
  const control = dict.entries.get('cache_control');
  const block: Block = { ...base, content: section !== 'tools' && text ? text.value : item, dict: dict.literal };
  if (control) {
    const controlDict = resolveDict(control.value, env);
    block.breakpoint = { ...ttlOf(controlDict, env), entry: { start: control.entry.start, end: control.entry.end }, holder: dict.literal, control: controlDict?.literal, automatic: false };
  }
  request.blocks.push(block);
}

function addMessages(request: RequestModel, loc: Located, env: ModuleEnv): void {
  const list = resolveList(loc, env);
  if (!list) {
    request.unresolved.add('messages');
    request.conversation = true;
    return;
  }
  if (list.open) {
    request.unresolved.add('messages');
    request.conversation = true;
  }
  if (list.appended) request.conversation = true;
  list.items.forEach((item, index) => {
    const message = resolveDict(item, env);
    const content = message?.entries.get('content');
    if (!message || !content) {
      request.unresolved.add('messages');
      request.conversation = true;
      return;
    }
    const role = message.entries.get('role');
    addContent(request, 'messages', content.value, env, { index, role: role ? staticString(role.value, env) : undefined, perItem: list.perItem });
  });
  request.messageCount = list.items.length;
}
