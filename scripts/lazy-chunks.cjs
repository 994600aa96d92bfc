// The files esbuild.js puts beside the bundles, which the bundles require on first use; the one list
// esbuild.js, scripts/pack-cli.mjs and the packaging tests read. Each is code or data that only some
// features need, so loading the extension or the CLI does not even parse it (compiling the bundle's
// source is most of activation's cost):
// - the Anthropic SDK (src/core/api/sdkLoader.ts): only a batch or an exact token count needs it;
// - the analyzer (src/core/analysis/engine.ts): lowering, resolution and the rules, a quarter of the
//   extension's own code, needed from the first analysis on, which waits for tree-sitter anyway;
// - `yaml` (src/core/batch/templates.ts): only a template file with front matter needs it;
// - `ignore` and `picomatch` (src/core/files/exclusionRules.ts): only a folder walk needs them;
// - the byte-pair vocabulary (src/core/tokens/bpeVocabulary.ts, ~700 KB of JSON): only an estimate
//   needs it, and Node's `require` of a .json file is a plain JSON.parse.
// `request` is the module as the code names it; `from`, when set, the one file whose request it is
// (a relative request means nothing elsewhere); `source` what the chunk bundles (the request when
// unset); `copy` marks data copied as it is rather than bundled.
module.exports.LAZY_CHUNKS = [
  { request: '@anthropic-ai/sdk', file: 'anthropic-sdk.js' },
  { request: './analyzer', from: 'src/core/analysis/engine.ts', source: './src/core/analysis/analyzer.ts', file: 'analysis-engine.js' },
  { request: 'yaml', file: 'yaml.js' },
  { request: 'ignore', file: 'ignore.js' },
  { request: 'picomatch', file: 'picomatch.js' },
  { request: '@anthropic-ai/tokenizer/dist/cjs/claude.json', file: 'bpe-vocabulary.json', copy: true },
];
