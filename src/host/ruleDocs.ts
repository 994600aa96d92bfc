/** Where each rule is documented: the README's "Cache lint rules" section, one anchor per code. Pure. */
export const RULES_DOCS_BASE = 'https://github.com/batchlens/batchlens/blob/main/README.md';

/** The README anchor of a rule, e.g. `…/README.md#bl001` (GitHub lowercases heading anchors). */
export function ruleDocsUrl(code: string): string {
  return `${RULES_DOCS_BASE}#${code.toLowerCase()}`;
}
