/*
 * Model ids as users write them. The Claude API, Bedrock and Vertex spell the same model differently:
 *   claude-sonnet-4-5-20250929                      (Claude API, dated snapshot)
 *   anthropic.claude-sonnet-4-5-20250929-v1:0       (Bedrock)
 *   us.anthropic.claude-sonnet-4-5-20250929-v1:0    (Bedrock cross-region inference profile)
 *   claude-sonnet-4-5@20250929                      (Vertex AI)
 *   anthropic/claude-sonnet-4-5-20250929            (litellm's provider prefix)
 * `canonicalModelId` turns the cloud forms into the Claude API form so that an exact match can be
 * made; it never guesses a model from a family name.
 */

const BEDROCK = /^(?:(?:us|eu|apac|au|jp|ca|global|us-gov)\.)?anthropic\.(claude-[a-z0-9-]+?)(?:-v\d+(?::\d+)?)?$/;
const VERTEX = /^(claude-[a-z0-9-]+)@(\d{8}|default|latest)$/;

/** The Claude API form of `id` (lower case, trimmed; Bedrock and Vertex forms rewritten). */
export function canonicalModelId(id: string): string {
  // litellm routes `anthropic/<id>` to the Claude API with the prefix removed.
  const lower = id.trim().toLowerCase().replace(/^anthropic\//, '');
  const bedrock = BEDROCK.exec(lower);
  if (bedrock) return bedrock[1]!;
  const vertex = VERTEX.exec(lower);
  if (vertex) return /^\d{8}$/.test(vertex[2]!) ? `${vertex[1]}-${vertex[2]}` : vertex[1]!;
  return lower;
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known id closest to `id`, when it is close enough to be a typo or a mixed-up date: within a
 * third of its length in edits, or the same name with a different date suffix
 * (`claude-sonnet-4-6-20250514` -> `claude-sonnet-4-6`). Undefined for ids like `gpt-4o`.
 */
export function nearestModelId(id: string, known: readonly string[]): string | undefined {
  const wanted = canonicalModelId(id);
  if (!wanted) return undefined;
  const undated = wanted.replace(/-\d{8}$/, '');
  if (undated !== wanted && known.includes(undated)) return undated;
  let best: { id: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = Math.min(editDistance(wanted, candidate), editDistance(undated, candidate.replace(/-\d{8}$/, '')));
    if (!best || distance < best.distance) best = { id: candidate, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(2, Math.floor(wanted.length / 3)) ? best.id : undefined;
}
