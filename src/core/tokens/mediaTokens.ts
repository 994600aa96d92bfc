/*
 * Token figures for images and PDFs, from the documented rules rather than from text statistics:
 * an image costs about (width x height) / 750 tokens after the API scales it to fit 1568 px on its
 * long edge and ~1.15 megapixels. A PDF page is sent as an image plus its text (pdfText.ts), and
 * the PDF support docs put a page at "1,500 to 3,000 tokens".
 */

/** The API downsizes an image whose long edge exceeds this (vision docs). */
const MAX_LONG_EDGE_PX = 1568;
/** Pixels per token of an image (vision docs: tokens = width * height / 750). */
const PIXELS_PER_TOKEN = 750;
/** Largest image cost after downsizing (~1.15 MP / 750): also the figure for an image we cannot size. */
export const MAX_IMAGE_TOKENS = 1600;
/** Only the first bytes are decoded to find an image's size: headers sit there. */
const IMAGE_HEADER_BASE64_CHARS = 64 * 1024;

interface ImageSize {
  width: number;
  height: number;
}

function pngSize(bytes: Buffer): ImageSize | undefined {
  // Signature (8 bytes), IHDR length + type (8 bytes), then width and height as big-endian u32.
  if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47) return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function gifSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 3) !== 'GIF') return undefined;
  return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
}

function jpegSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1];
    const segmentLength = bytes.readUInt16BE(offset + 2);
    // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + segmentLength;
  }
  return undefined;
}

function webpSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 30 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WEBP') return undefined;
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
  if (chunk === 'VP8 ') return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = bytes.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  return undefined;
}

/** Reads the pixel size from the header of a base64 PNG, JPEG, GIF or WebP; undefined when unknown. */
export function imageSizeFromBase64(data: string): ImageSize | undefined {
  const bytes = Buffer.from(data.slice(0, IMAGE_HEADER_BASE64_CHARS), 'base64');
  const size = pngSize(bytes) ?? gifSize(bytes) ?? jpegSize(bytes) ?? webpSize(bytes);
  if (!size || size.width <= 0 || size.height <= 0) return undefined;
  return size;
}

/** Tokens of an image of the given size, after the API's downsizing. */
export function imageTokensForSize(size: ImageSize): number {
  const longEdge = Math.max(size.width, size.height);
  const scale = longEdge > MAX_LONG_EDGE_PX ? MAX_LONG_EDGE_PX / longEdge : 1;
  const tokens = Math.ceil((size.width * scale * (size.height * scale)) / PIXELS_PER_TOKEN);
  return Math.min(MAX_IMAGE_TOKENS, Math.max(1, tokens));
}

/** Tokens of a base64 image, or the largest image cost when its size cannot be read (URL, file id, odd format). */
export function imageTokens(base64Data: string | undefined): number {
  if (typeof base64Data !== 'string' || base64Data.length === 0) return MAX_IMAGE_TOKENS;
  const size = imageSizeFromBase64(base64Data);
  return size ? imageTokensForSize(size) : MAX_IMAGE_TOKENS;
}

/** Pages of a base64 PDF, counted from its page objects ("/Type /Page", not "/Pages"); at least 1. */
export function pdfPageCount(base64Data: string | undefined): number {
  if (typeof base64Data !== 'string' || base64Data.length === 0) return 1;
  const text = Buffer.from(base64Data, 'base64').toString('latin1');
  const pages = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g);
  return Math.max(1, pages ? pages.length : 0);
}
