import type { TextBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';
import type { BatchRequest } from '../api/batchApi';
import type { ManifestEntry } from '../jobs/jobModel';
import type { CollectedFile } from './collectFiles';
import { renderTemplateText } from '../jobs/templateText';
import type { RowTokenEstimator } from './rowTokens';
import type { PromptTemplate } from './templates';

/** One file turned into a batch request, with what the manifest and the splitter need. */
export interface BuiltRequest {
  request: BatchRequest;
  entry: ManifestEntry;
  /** `JSON.stringify(request)`: the line kept in the requests file and sent in the create body. */
  line: string;
  /** Byte length of `line`. */
  serializedBytes: number;
  /** Estimated tokens of the shared, cached system prefix inside this request (the same for every row). */
  sharedPrefixTokens: number;
}

/**
 * The system blocks every row of a job shares. The one block carries `cache_control` so the rows
 * share one cached prefix; the object is built once per job so every row serializes it byte for byte
 * the same (a cache hit needs identical bytes).
 */
export function buildSystemBlocks(template: PromptTemplate): TextBlockParam[] | undefined {
  if (!template.system) return undefined;
  return [{ type: 'text', text: template.system, cache_control: { type: 'ephemeral', ttl: template.ttl } }];
}

/**
 * Builds the request for one file: the template body rendered as the user message, the shared
 * system blocks, and the template's model and max_tokens (no sampling parameters: API 2026-10-21 removed them).
 */
export function buildRequest(
  template: PromptTemplate,
  systemBlocks: TextBlockParam[] | undefined,
  file: CollectedFile,
  customId: string,
  tokens: RowTokenEstimator,
): BuiltRequest {
  const paramsFor = (content: string): BatchRequest['params'] => ({
    model: template.model,
    max_tokens: template.maxTokens,
    ...(systemBlocks ? { system: systemBlocks } : {}),
    messages: [{ role: 'user', content: renderTemplateText(template.body, { relativePath: file.relativePath, content }) }],
  });
  const params = paramsFor(file.content);
  const request: BatchRequest = { custom_id: customId, params };
  // Decoded UTF-8 has as many characters as bytes only when every byte is ASCII.
  const estimate = tokens.estimate(params, () => paramsFor(''), file.content, file.relativePath, file.content.length === file.bytes);
  const line = JSON.stringify(request);
  return {
    request,
    entry: {
      customId,
      relativePath: file.relativePath,
      contentSha256: file.sha256,
      bytes: file.bytes,
      estimatedInputTokens: estimate.inputTokens,
    },
    line,
    serializedBytes: Buffer.byteLength(line, 'utf8'),
    sharedPrefixTokens: systemBlocks ? estimate.systemTokens : 0,
  };
}
