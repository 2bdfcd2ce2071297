import { createReadStream } from 'node:fs';

/** A line whose bytes are not valid UTF-8. */
export interface InvalidUtf8Line {
  /** 1-based line number in the file. */
  line: number;
  /** 1-based character offset of the first undecodable byte (as U+FFFD in the lenient decoding). */
  column: number;
}

/** A run of whole lines decoded from a file. */
export interface TextBlock {
  /** Decoded text; invalid bytes appear as U+FFFD, and their lines are listed in `invalid`. */
  text: string;
  /** Line number of the first line of `text`. */
  firstLine: number;
  invalid: InvalidUtf8Line[];
  /** False only for the file's last block when the file does not end with a newline. */
  endsWithNewline: boolean;
}

const NEWLINE = 0x0a;
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function countNewlines(buf: Uint8Array): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/**
 * Decodes `bytes` (whole lines) strictly. The fast path decodes the whole block at once; only a
 * block that fails is decoded line by line to locate the bad lines, so valid files pay one pass.
 */
function decodeBlock(bytes: Uint8Array, firstLine: number): { text: string; invalid: InvalidUtf8Line[] } {
  try {
    return { text: fatal.decode(bytes), invalid: [] };
  } catch {
    const parts: string[] = [];
    const invalid: InvalidUtf8Line[] = [];
    let start = 0;
    let line = firstLine;
    while (start < bytes.length) {
      const nl = bytes.indexOf(NEWLINE, start);
      const end = nl === -1 ? bytes.length : nl + 1;
      const lineBytes = bytes.subarray(start, end);
      try {
        parts.push(fatal.decode(lineBytes));
      } catch {
        const text = lenient.decode(lineBytes);
        parts.push(text);
        invalid.push({ line, column: text.indexOf('\uFFFD') + 1 || 1 });
      }
      start = end;
      line++;
    }
    return { text: parts.join(''), invalid };
  }
}

/**
 * Streams a text file as blocks of whole lines, validating UTF-8 (never silently turning bad
 * bytes into U+FFFD: every such line is reported in `invalid`). Memory is bounded by the chunk
 * size plus the longest line. A leading UTF-8 byte-order mark is removed.
 */
export async function* readTextBlocks(path: string, chunkBytes = 1 << 20): AsyncGenerator<TextBlock> {
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  let carry: Buffer | undefined;
  let nextLine = 1;
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let buf = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
      if (first && buf.length >= 3) {
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
        first = false;
      }
      const last = buf.lastIndexOf(NEWLINE);
      if (last === -1) {
        carry = buf;
        continue;
      }
      const bytes = buf.subarray(0, last + 1);
      carry = last + 1 < buf.length ? buf.subarray(last + 1) : undefined;
      const { text, invalid } = decodeBlock(bytes, nextLine);
      yield { text, firstLine: nextLine, invalid, endsWithNewline: true };
      nextLine += countNewlines(bytes);
    }
    if (carry !== undefined && carry.length > 0) {
      if (first && carry[0] === 0xef && carry[1] === 0xbb && carry[2] === 0xbf) carry = carry.subarray(3);
      const { text, invalid } = decodeBlock(carry, nextLine);
      yield { text, firstLine: nextLine, invalid, endsWithNewline: false };
    }
  } finally {
    stream.destroy();
  }
}
