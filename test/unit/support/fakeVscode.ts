// A minimal stand-in for the `vscode` module, for unit tests that run editor-side code (settings
// adapter, lens provider, diagnostics) in plain Node. It holds only the members that code touches;
// importing this file first makes `require('vscode')` answer with it.
import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (value: T) => void;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((other) => other !== listener);
    });
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Disposable {
  constructor(private readonly onDispose: () => void = () => undefined) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.onDispose();
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(fsPath: string): Uri {
    return new Uri('file', path.resolve(fsPath));
  }
  static parse(value: string): Uri {
    const colon = value.indexOf(':');
    return new Uri(value.slice(0, colon), value.slice(colon + 1));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

export class CodeLens {
  command?: { title: string; command: string; tooltip?: string; arguments?: unknown[] };
  constructor(
    readonly range: Range,
    command?: CodeLens['command'],
  ) {
    this.command = command;
  }
}

export enum DiagnosticSeverity {
  Error = 0,
  Warning = 1,
  Information = 2,
  Hint = 3,
}

export class Diagnostic {
  code?: unknown;
  source?: string;
  relatedInformation?: unknown[];
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: DiagnosticSeverity,
  ) {}
}

export class Location {
  constructor(
    readonly uri: Uri,
    readonly range: Range,
  ) {}
}

export class DiagnosticRelatedInformation {
  constructor(
    readonly location: Location,
    readonly message: string,
  ) {}
}

export enum NotebookCellKind {
  Markup = 1,
  Code = 2,
}

export enum ConfigurationTarget {
  Global = 1,
  Workspace = 2,
}

/** An open text document over a file's text, as VS Code gives one to providers. */
export interface FakeTextDocument {
  uri: Uri;
  languageId: string;
  version: number;
  isClosed: boolean;
  getText(): string;
  positionAt(offset: number): Position;
}

export function textDocument(fsPath: string, languageId: string, text: string): FakeTextDocument {
  return {
    uri: Uri.file(fsPath),
    languageId,
    version: 1,
    isClosed: false,
    getText: () => text,
    positionAt(offset: number) {
      const before = text.slice(0, offset);
      const line = before.split('\n').length - 1;
      return new Position(line, offset - (before.lastIndexOf('\n') + 1));
    },
  };
}

/** What a test controls: the `batchlens.*` values, the workspace folder, and what the diagnostics collection received. */
export const fakeState = {
  settings: {} as Record<string, unknown>,
  workspaceFolder: undefined as string | undefined,
  diagnostics: new Map<string, Diagnostic[]>(),
  onDiagnostics: new EventEmitter<string>(),
  openDocument: new EventEmitter<FakeTextDocument>(),
};

const never = () => new Disposable();

export const workspace = {
  notebookDocuments: [] as unknown[],
  textDocuments: [] as FakeTextDocument[],
  getConfiguration(section: string) {
    const lookup = (key: string) => fakeState.settings[`${section}.${key}`];
    return { get: lookup, inspect: (key: string) => ({ globalValue: lookup(key) }), update: async () => undefined };
  },
  getWorkspaceFolder(uri: Uri) {
    const root = fakeState.workspaceFolder;
    return root !== undefined && uri.scheme === 'file' && !path.relative(root, uri.fsPath).startsWith('..') ? { uri: Uri.file(root), name: path.basename(root), index: 0 } : undefined;
  },
  asRelativePath(uri: Uri) {
    return fakeState.workspaceFolder === undefined ? uri.fsPath : path.relative(fakeState.workspaceFolder, uri.fsPath).split(path.sep).join('/');
  },
  createFileSystemWatcher: () => ({ onDidCreate: never, onDidChange: never, onDidDelete: never, dispose: () => undefined }),
  onDidOpenTextDocument: fakeState.openDocument.event,
  onDidChangeTextDocument: never,
  onDidCloseTextDocument: never,
  onDidSaveTextDocument: never,
  onDidChangeConfiguration: never,
};

export const languages = {
  createDiagnosticCollection() {
    return {
      set(uri: Uri, diagnostics: Diagnostic[]) {
        fakeState.diagnostics.set(uri.toString(), diagnostics);
        fakeState.onDiagnostics.fire(uri.toString());
      },
      delete(uri: Uri) {
        fakeState.diagnostics.delete(uri.toString());
      },
      dispose: () => undefined,
    };
  },
};

export const window = {
  showErrorMessage: async () => undefined,
};

const fake = { EventEmitter, Disposable, Position, Range, Uri, CodeLens, Diagnostic, DiagnosticSeverity, DiagnosticRelatedInformation, Location, NotebookCellKind, ConfigurationTarget, workspace, languages, window };

// `require('vscode')` from the code under test answers with the fake.
const moduleWithLoad = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = moduleWithLoad._load;
moduleWithLoad._load = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? fake : load.call(this, request, ...rest);
};
