import { isAscii } from 'node:buffer';

/** How much of a file decides whether it is text, as git and most editors do. */
export const SNIFF_BYTES = 8 * 1024;

/**
 * Whether the start of a file looks binary: a NUL byte, or bytes that are not valid UTF-8, in the
 * first 8 KB. A multi-byte character cut by the 8 KB boundary is not counted against it.
 */
export function looksBinary(head: Uint8Array): boolean {
  const sample = head.subarray(0, SNIFF_BYTES);
  if (sample.includes(0)) return true;
  // Plain ASCII (most source files) is valid UTF-8: checked at memory speed, no decoder built.
  if (isAscii(sample)) return false;
  try {
    // `stream: true` lets the decoder hold an incomplete trailing character instead of failing on it.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: sample.length < head.length });
    return false;
  } catch {
    return true;
  }
}

/** Decodes UTF-8 strictly (a leading BOM is dropped); undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  // ASCII bytes are their own characters (and hold no BOM): read as one-byte text, no validation pass.
  if (isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
