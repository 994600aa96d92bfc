import * as path from 'node:path';

/** File extension -> the language name a prompt should use (VS Code's language ids where they exist). */
const LANGUAGE_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.ts': 'typescript', '.tsx': 'typescriptreact', '.mts': 'typescript', '.cts': 'typescript',
  '.js': 'javascript', '.jsx': 'javascriptreact', '.mjs': 'javascript', '.cjs': 'javascript',
  '.py': 'python', '.pyi': 'python', '.rb': 'ruby', '.go': 'go', '.rs': 'rust', '.java': 'java',
  '.kt': 'kotlin', '.kts': 'kotlin', '.scala': 'scala', '.swift': 'swift', '.m': 'objective-c',
  '.c': 'c', '.h': 'c', '.cc': 'cpp', '.cpp': 'cpp', '.cxx': 'cpp', '.hpp': 'cpp', '.cs': 'csharp',
  '.php': 'php', '.pl': 'perl', '.lua': 'lua', '.r': 'r', '.dart': 'dart', '.ex': 'elixir', '.exs': 'elixir',
  '.erl': 'erlang', '.hs': 'haskell', '.clj': 'clojure', '.fs': 'fsharp', '.vue': 'vue', '.svelte': 'svelte',
  '.sh': 'shellscript', '.bash': 'shellscript', '.zsh': 'shellscript', '.ps1': 'powershell', '.bat': 'bat',
  '.sql': 'sql', '.html': 'html', '.htm': 'html', '.css': 'css', '.scss': 'scss', '.less': 'less',
  '.json': 'json', '.jsonc': 'jsonc', '.yaml': 'yaml', '.yml': 'yaml', '.toml': 'toml', '.xml': 'xml',
  '.ini': 'ini', '.md': 'markdown', '.markdown': 'markdown', '.rst': 'restructuredtext', '.tex': 'latex',
  '.txt': 'plaintext', '.csv': 'csv', '.proto': 'proto', '.graphql': 'graphql', '.tf': 'terraform',
};

const LANGUAGE_BY_NAME: Readonly<Record<string, string>> = {
  dockerfile: 'dockerfile', makefile: 'makefile', gemfile: 'ruby', rakefile: 'ruby', 'cmakelists.txt': 'cmake',
};

/** The language of a file from its name, `plaintext` when unknown. */
export function languageOfPath(filePath: string): string {
  const base = path.posix.basename(filePath.replace(/\\/g, '/')).toLowerCase();
  return LANGUAGE_BY_NAME[base] ?? LANGUAGE_BY_EXTENSION[path.posix.extname(base)] ?? 'plaintext';
}
