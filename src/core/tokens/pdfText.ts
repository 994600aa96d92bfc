import type * as Zlib from 'node:zlib';

/*
 * The text of a PDF, roughly, for pricing: the API sends the model each page's extracted text next
 * to an image of the page, so a page full of text costs far more than a page with one word
 * (1,594 vs 2,678 tokens for two one-page PDFs in the calibration rows). We read the page content
 * streams (inflating Flate-compressed ones) and collect the strings shown by the text operators.
 * Glyphs given as hex codes of an embedded font cannot be read without the font's mapping, so they
 * are only counted.
 */

export interface PdfText {
  /** Text shown by literal strings: "(Hello) Tj", "[(Wor) 20 (ld)] TJ". */
  text: string;
  /** Glyphs shown by hex strings ("<0037004B> Tj"), whose characters are unknown. */
  hexGlyphs: number;
}

/** Streams larger than this (images, fonts) are not inflated: page text streams are small. */
const MAX_STREAM_BYTES = 2 * 1024 * 1024;
/** A TJ kerning adjustment at or below this (thousandths of an em) is a word gap. */
const WORD_GAP = -200;

function inflated(raw: Buffer): string | undefined {
  try {
    // Required here, not imported: loading zlib is a tenth of activation's budget, and only a PDF needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('node:zlib') as typeof Zlib).inflateSync(raw).toString('latin1');
  } catch {
    return undefined;
  }
}

/** Reads a literal string starting after "(" at `start`; returns its text and the index after ")". */
function readLiteral(content: string, start: number): [string, number] {
  let depth = 1;
  let text = '';
  let index = start;
  while (index < content.length && depth > 0) {
    const char = content[index];
    if (char === '\\') {
      const next = content[index + 1] ?? '';
      text += next === 'n' ? '\n' : /[0-7]/.test(next) ? ' ' : next;
      index += /[0-7]/.test(next) ? (/^[0-7]{1,3}/.exec(content.slice(index + 1))?.[0].length ?? 1) + 1 : 2;
      continue;
    }
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (depth > 0) text += char;
    index += 1;
  }
  return [text, index];
}

/** Collects the shown strings of the BT … ET blocks of one content stream. */
function showText(content: string, into: PdfText): void {
  let inText = false;
  for (let index = 0; index < content.length; index++) {
    const char = content[index];
    if (!inText) {
      if (char === 'B' && content[index + 1] === 'T' && /\s/.test(content[index + 2] ?? ' ')) inText = true;
      continue;
    }
    if (char === 'E' && content[index + 1] === 'T' && /[\s]/.test(content[index - 1] ?? ' ')) {
      inText = false;
      into.text += '\n';
      continue;
    }
    if (char === '(') {
      const [text, next] = readLiteral(content, index + 1);
      into.text += text;
      index = next - 1;
      continue;
    }
    if (char === '<' && content[index + 1] !== '<') {
      const end = content.indexOf('>', index);
      if (end < 0) break;
      into.hexGlyphs += Math.floor(content.slice(index + 1, end).replace(/\s/g, '').length / 4);
      index = end;
      continue;
    }
    if (char === '-' || (char >= '0' && char <= '9')) {
      const number = /^-?[\d.]+/.exec(content.slice(index, index + 16))?.[0] ?? '';
      if (Number(number) <= WORD_GAP) into.text += ' ';
      index += Math.max(0, number.length - 1);
      continue;
    }
    if (char === 'T' && (content[index + 1] === 'd' || content[index + 1] === 'D' || content[index + 1] === '*')) into.text += ' ';
  }
}

/** The shown text of a base64 PDF's content streams. Never throws; empty for anything unreadable. */
export function pdfText(base64Data: string | undefined): PdfText {
  const result: PdfText = { text: '', hexGlyphs: 0 };
  if (typeof base64Data !== 'string' || base64Data.length === 0) return result;
  const pdf = Buffer.from(base64Data, 'base64').toString('latin1');
  const streamStart = /stream\r?\n/g;
  for (let match = streamStart.exec(pdf); match; match = streamStart.exec(pdf)) {
    const start = match.index + match[0].length;
    const end = pdf.indexOf('endstream', start);
    if (end < 0) break;
    streamStart.lastIndex = end;
    if (end - start > MAX_STREAM_BYTES) continue;
    const dictionary = pdf.slice(Math.max(0, pdf.lastIndexOf('<<', match.index)), match.index);
    const raw = Buffer.from(pdf.slice(start, end), 'latin1');
    const content = /FlateDecode/.test(dictionary) ? inflated(raw) : /\/Filter/.test(dictionary) ? undefined : raw.toString('latin1');
    if (content && /\bBT\s/.test(content) && /\bTf\b/.test(content)) showText(content, result);
  }
  result.text = result.text.replace(/[ \t]+/g, ' ').replace(/ ?\n[\s]*/g, '\n');
  return result;
}
