// Activation probe for the bundle bench, run in plain Node (no tsx, so nothing transforms the bundle):
//   node activationProbe.cjs <bundle.js> <workspaceDir>   require the bundle with a fake `vscode`, call activate()
//   node activationProbe.cjs --empty <emptyModule.js>     require an empty module (the baseline)
// Prints one JSON line: requireMs, activateMs (to activate()'s result resolved), totalMs (from the
// require to that), the vscode members the bundle touched, and `loaded`: the files beside the bundle
// (lazy chunks, dist/wasm/*) that activation required or read.
const Module = require('node:module');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const touched = new Set();

/** Fails loudly when the bundle reaches for a vscode member this fake does not provide. */
function strict(name, members) {
  return new Proxy(members, {
    get(target, key) {
      // Module-interop and promise probes are not API use.
      if (typeof key === 'symbol' || key === 'then' || key === 'toJSON' || key === '__esModule') return target[key];
      touched.add(`${name}.${key}`);
      if (!(key in target)) throw new Error(`the fake vscode has no ${name}.${String(key)}`);
      return target[key];
    },
  });
}

class Disposable {
  constructor(callOnDispose) {
    this.callOnDispose = callOnDispose;
  }
  static from(...items) {
    return new Disposable(() => items.forEach((item) => item && item.dispose && item.dispose()));
  }
  dispose() {
    if (this.callOnDispose) this.callOnDispose();
    this.callOnDispose = undefined;
  }
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener) => {
      this.listeners.add(listener);
      return new Disposable(() => this.listeners.delete(listener));
    };
  }
  fire(value) {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose() {
    this.listeners.clear();
  }
}

class Uri {
  constructor(scheme, fsPath) {
    this.scheme = scheme;
    this.fsPath = fsPath;
    this.path = fsPath;
  }
  static file(fsPath) {
    return new Uri('file', fsPath);
  }
  static joinPath(base, ...parts) {
    return new Uri(base.scheme, path.join(base.fsPath, ...parts));
  }
  static parse(value) {
    return new Uri(value.split(':')[0], value.replace(/^[a-z]+:\/*/, '/'));
  }
  static from(parts) {
    return new Uri(parts.scheme, parts.path || '/');
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
}

const noEvent = () => new Disposable();
const disposable = () => new Disposable();
const resolved = () => Promise.resolve(undefined);

function outputChannel(name) {
  const channel = { name, logLevel: 2, onDidChangeLogLevel: noEvent };
  for (const method of ['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace', 'clear', 'show', 'hide', 'dispose']) channel[method] = () => undefined;
  return channel;
}

function fakeVscode(workspaceDir) {
  const configuration = { get: (_key, fallback) => fallback, inspect: () => undefined, has: () => false, update: resolved };
  return strict('vscode', {
    Disposable,
    EventEmitter,
    Uri,
    Range: class {},
    Position: class {},
    Selection: class {},
    CodeLens: class {},
    CodeAction: class {},
    Diagnostic: class {},
    WorkspaceEdit: class {},
    TreeItem: class {},
    ThemeIcon: class {},
    ThemeColor: class {},
    MarkdownString: class {},
    RelativePattern: class {},
    CodeActionKind: { QuickFix: 'quickfix' },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    window: strict('window', {
      createOutputChannel: outputChannel,
      createTreeView: () => ({ dispose: () => undefined, onDidChangeVisibility: noEvent, onDidExpandElement: noEvent, onDidCollapseElement: noEvent, onDidChangeSelection: noEvent, visible: true, badge: undefined, message: undefined, description: undefined }),
      createStatusBarItem: () => ({ show: () => undefined, hide: () => undefined, dispose: () => undefined }),
      showInformationMessage: resolved,
      showWarningMessage: resolved,
      showErrorMessage: resolved,
      showQuickPick: resolved,
      showInputBox: resolved,
      showOpenDialog: resolved,
      showTextDocument: resolved,
      setStatusBarMessage: disposable,
      withProgress: (_options, task) => task({ report: () => undefined }, { isCancellationRequested: false, onCancellationRequested: noEvent }),
      activeTextEditor: undefined,
      visibleTextEditors: [],
      onDidChangeActiveTextEditor: noEvent,
      onDidChangeVisibleTextEditors: noEvent,
    }),
    workspace: strict('workspace', {
      workspaceFolders: [{ uri: Uri.file(workspaceDir), name: path.basename(workspaceDir), index: 0 }],
      textDocuments: [],
      isTrusted: true,
      onDidGrantWorkspaceTrust: noEvent,
      getConfiguration: () => configuration,
      onDidChangeConfiguration: noEvent,
      onDidOpenTextDocument: noEvent,
      onDidChangeTextDocument: noEvent,
      onDidSaveTextDocument: noEvent,
      onDidCloseTextDocument: noEvent,
      onDidChangeWorkspaceFolders: noEvent,
      createFileSystemWatcher: () => ({ onDidCreate: noEvent, onDidChange: noEvent, onDidDelete: noEvent, dispose: () => undefined }),
      registerTextDocumentContentProvider: disposable,
      openTextDocument: resolved,
    }),
    languages: strict('languages', {
      registerCodeLensProvider: disposable,
      registerCodeActionsProvider: disposable,
      createDiagnosticCollection: () => ({ set: () => undefined, delete: () => undefined, clear: () => undefined, dispose: () => undefined }),
      setTextDocumentLanguage: resolved,
    }),
    commands: strict('commands', { registerCommand: disposable, executeCommand: resolved }),
    env: strict('env', { clipboard: { writeText: resolved } }),
  });
}

function fakeContext(workspaceDir) {
  const memento = () => {
    const values = new Map();
    return { get: (key, fallback) => (values.has(key) ? values.get(key) : fallback), update: async (key, value) => void values.set(key, value), keys: () => [...values.keys()] };
  };
  const storage = Uri.file(path.join(workspaceDir, '.bench-storage'));
  return strict('context', {
    subscriptions: [],
    secrets: { get: resolved, store: resolved, delete: resolved, onDidChange: noEvent },
    globalState: { ...memento(), setKeysForSync: () => undefined },
    workspaceState: memento(),
    extensionUri: Uri.file(path.dirname(process.argv[2])),
    extensionPath: path.dirname(process.argv[2]),
    extensionMode: 1,
    globalStorageUri: storage,
    storageUri: storage,
    logUri: storage,
    asAbsolutePath: (relative) => path.join(path.dirname(process.argv[2]), relative),
  });
}

/** CPU time (user + system) in ms: less disturbed than wall time on a machine shared with other work. */
function cpuMs(usage) {
  return (usage.user + usage.system) / 1000;
}

/** Files under the bundle's folder that were required or read (a grammar is read, not required). */
function watchLoads(dir) {
  const fs = require('node:fs');
  const loaded = new Set();
  const note = (file) => {
    const full = path.resolve(String(file));
    if (full.startsWith(dir + path.sep)) loaded.add(path.relative(dir, full).split(path.sep).join('/'));
  };
  for (const name of ['readFileSync', 'readFile', 'createReadStream']) {
    const original = fs[name];
    fs[name] = function read(file, ...rest) {
      if (typeof file === 'string' || file instanceof URL) note(file instanceof URL ? file.pathname : file);
      return original.call(this, file, ...rest);
    };
  }
  const originalReadFile = fs.promises.readFile;
  fs.promises.readFile = function read(file, ...rest) {
    if (typeof file === 'string') note(file);
    return originalReadFile.call(this, file, ...rest);
  };
  return () => {
    for (const file of Object.keys(require.cache)) note(file);
    return [...loaded].sort();
  };
}

async function main() {
  if (process.argv[2] === '--empty') {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    require(path.resolve(process.argv[3]));
    const requireMs = performance.now() - start;
    return { requireMs, activateMs: 0, totalMs: requireMs, requireCpuMs: cpuMs(process.cpuUsage(cpuStart)), activateCpuMs: 0, touched: [] };
  }
  const bundle = path.resolve(process.argv[2]);
  const workspaceDir = path.resolve(process.argv[3]);
  const vscode = fakeVscode(workspaceDir);
  const loads = watchLoads(path.dirname(bundle));
  const originalLoad = Module._load;
  Module._load = function load(request, ...rest) {
    return request === 'vscode' ? vscode : originalLoad.call(this, request, ...rest);
  };
  const requireStart = performance.now();
  let start = requireStart;
  let cpuStart = process.cpuUsage();
  const extension = require(bundle);
  const requireMs = performance.now() - start;
  const requireCpuMs = cpuMs(process.cpuUsage(cpuStart));
  const context = fakeContext(workspaceDir);
  start = performance.now();
  cpuStart = process.cpuUsage();
  await extension.activate(context);
  const end = performance.now();
  const activateMs = end - start;
  const activateCpuMs = cpuMs(process.cpuUsage(cpuStart));
  // The bundle itself is the one file expected; anything else beside it was loaded eagerly.
  const loaded = loads().filter((file) => file !== path.basename(bundle));
  for (const item of context.subscriptions) item.dispose();
  return { requireMs, activateMs, totalMs: end - requireStart, requireCpuMs, activateCpuMs, subscriptions: context.subscriptions.length, touched: [...touched].sort(), loaded };
}

main().then(
  (result) => {
    console.log(JSON.stringify(result));
    // Activation may leave timers (the poller) behind; the measurement is done.
    process.exit(0);
  },
  (error) => {
    console.error(error && error.stack ? error.stack : String(error));
    process.exit(1);
  },
);
