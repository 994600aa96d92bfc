/**
 * What a prompt's text is: the characters the API receives (escape sequences decoded), and whether
 * it reads as prose for a model or as something else written in a string (markup, code, a query,
 * CSS, a shell script, data, a placeholder word). Pure functions over text.
 */

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0', '\\': '\\', '"': '"', "'": "'", '`': '`', $: '$', '{': '{', '}': '}' };

/**
 * The text a string literal's source stands for: `\n` is one character, `\u00e9` is é, a backslash
 * before a line break continues the line. Unknown escapes keep their backslash, as Python does.
 */
export function decodeEscapes(source: string): string {
  if (!source.includes('\\')) return source;
  return source.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r?\n|.)/g, (whole, escape: string) => {
    if (escape === '\n' || escape === '\r\n') return '';
    if (escape.startsWith('u{')) return safeCodePoint(parseInt(escape.slice(2, -1), 16)) ?? whole;
    if (escape.length > 1 && (escape[0] === 'u' || escape[0] === 'x')) return String.fromCharCode(parseInt(escape.slice(1), 16));
    return SIMPLE_ESCAPES[escape] ?? whole;
  });
}

function safeCodePoint(code: number): string | undefined {
  return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

const HTML_TAG = /<\/?(?:!doctype|html|head|body|div|span|table|thead|tbody|tr|td|th|ul|ol|li|p|a|br|hr|img|script|style|form|input|button|meta|link|h[1-6]|strong|em|section|nav|footer|header|label|select|option|iframe|svg|path|center|font)\b[^>]*>/gi;
const SQL = /^\s*(?:SELECT\b[\s\S]*\bFROM\b|INSERT\s+INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|INDEX|VIEW|FUNCTION|TRIGGER|EXTENSION)\b|ALTER\s+TABLE\b|DROP\s+(?:TABLE|INDEX)\b|WITH\s+\w+\s+AS\s*\()/;
const GRAPHQL = /^\s*(?:query|mutation|subscription|fragment)\b[^{]*\{[\s\S]*\}\s*$/;
const CSS_RULE = /(?:^|\})\s*[@.#:\w\-[\]="' >*,]+\{\s*(?:[\w-]+\s*:\s*[^;{}]+;?\s*)+\}/g;
const SHELL_LINE = /^\s*(?:#!\/|\$ |sudo |apt(?:-get)? |brew |npm |npx |yarn |pnpm |pip3? |cd |export |curl |wget |chmod |mkdir |rm -|echo |docker |git |kubectl |set -e|if \[|fi$|done$|Get-|Set-|New-|Remove-|Write-Host|Invoke-|\$env:|param\s*\()/;
const CODE_LINE = /^\s*(?:def |class |import |from \S+ import|function |const |let |var |return\b|if \(|for \(|while \(|}|\{$|\)|@\w+|#include|public |private |package |console\.|print\()|[;{]\s*$/;

/**
 * Why a string is not prose for a model, or undefined when it reads as one. Used for strings that
 * no SDK call is seen sending: a string sent to a model is a prompt whatever it looks like.
 */
export function nonProseReason(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length < 10 || countMatches(WORD, trimmed, 2) < 2) return 'empty or trivial';
  // Each pattern below needs its delimiter in the text: most prose has neither, and is not scanned for them.
  const tags = trimmed.includes('<') ? countMatches(HTML_TAG, trimmed, 6) : 0;
  if (tags >= 2 && (tags >= 6 || /^<(?:!doctype|html|div|table|body|head|p|span|form|style|script)\b/i.test(trimmed) || /<\/(?:html|div|table|body|p|span|form)>\s*$/i.test(trimmed))) return 'markup';
  if (SQL.test(trimmed)) return 'SQL';
  if (GRAPHQL.test(trimmed) && !/[.!?]\s/.test(trimmed.replace(/#.*$/gm, ''))) return 'GraphQL';
  const lines = trimmed.split('\n').filter((line) => line.trim() !== '');
  const cssRules = trimmed.includes('{') ? countMatches(CSS_RULE, trimmed, 2) : 0;
  if (cssRules >= 2 || (cssRules === 1 && lines.length <= 3 && /^[@.#:\w-][^{]*\{/.test(trimmed))) return 'CSS';
  if (lines.length >= 2 && share(lines, SHELL_LINE) >= 0.5) return 'shell';
  if (lines.length >= 3 && share(lines, CODE_LINE) >= 0.6) return 'code';
  if (/^[[{]/.test(trimmed) && isJson(trimmed)) return 'data (JSON)';
  if (/^(?:https?|file|s3|gs):\/\/\S+$/.test(trimmed) || /^[\w./\\-]+\.(?:md|txt|json|ya?ml|html?|py|ts|js|csv)$/.test(trimmed)) return 'a path or URL';
  return undefined;
}

const WORD = /[A-Za-z\u00C0-\uFFFF]{2,}/g;

/** How many times a global pattern matches, counting no further than `enough` (the tests above only compare with small numbers). */
function countMatches(pattern: RegExp, text: string, enough: number): number {
  pattern.lastIndex = 0;
  let count = 0;
  // `test` advances a global pattern as `exec` does, without building each match.
  while (count < enough && pattern.test(text)) count++;
  pattern.lastIndex = 0;
  return count;
}

function share(lines: string[], pattern: RegExp): number {
  let matching = 0;
  for (const line of lines) if (pattern.test(line)) matching++;
  return matching / lines.length;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
