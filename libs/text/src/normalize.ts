/**
 * Text normalisation shared by every text feature: HTML removed, entities decoded, Unicode NFKC
 * (full-width → ASCII, ligatures split, compatibility forms unified), full case folding
 * (ß → ss, final sigma → σ) and whitespace collapsed. Locale-independent on purpose: the same
 * string must give the same features whichever locale the process runs in.
 */

/** Named entities seen in event descriptions; anything else falls back to numeric decoding or is kept. */
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ensp: ' ', emsp: ' ', thinsp: ' ',
  ndash: '–', mdash: '—', hellip: '…', laquo: '«', raquo: '»', lsquo: '‘', rsquo: '’', ldquo: '“',
  rdquo: '”', bull: '•', middot: '·', copy: '©', reg: '®', trade: '™', euro: '€', pound: '£', yen: '¥',
  cent: '¢', deg: '°', times: '×', divide: '÷', szlig: 'ß', auml: 'ä', ouml: 'ö', uuml: 'ü',
  Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', eacute: 'é', egrave: 'è', ecirc: 'ê', aacute: 'á', agrave: 'à',
  acirc: 'â', atilde: 'ã', iacute: 'í', oacute: 'ó', ocirc: 'ô', otilde: 'õ', uacute: 'ú', ccedil: 'ç',
  ntilde: 'ñ', Eacute: 'É', Ntilde: 'Ñ', Ccedil: 'Ç', iexcl: '¡', iquest: '¿', shy: '',
};

// Script/style bodies are code, not text; comments likewise.
const BLOCK_OPEN = /<(script|style|noscript|template)\b[^>]*>|<!--/gi;
const BLOCK_CLOSE: Record<string, RegExp> = {
  script: /<\/script\s*>/gi,
  style: /<\/style\s*>/gi,
  noscript: /<\/noscript\s*>/gi,
  template: /<\/template\s*>/gi,
  comment: /-->/g,
};
// A tag starts with a letter, `/` or `!`, so "a < b" and "<3" survive as text.
const TAG = /<\/?[a-zA-Z!][^<>]*>/g;
const ENTITY = /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});/g;
const WHITESPACE = /[\s\u200b\u2060\ufeff]+/g;
// Cheap test so plain text skips the HTML passes entirely.
const MAYBE_MARKUP = /[<&]/;

function decodeEntity(match: string, body: string): string {
  if (body.charCodeAt(0) === 35 /* # */) {
    const hex = body.charCodeAt(1) === 120 || body.charCodeAt(1) === 88;
    const code = parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
    if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return ' ';
    return String.fromCodePoint(code);
  }
  return NAMED_ENTITIES[body] ?? match;
}

/**
 * Drops script/style/noscript/template bodies and comments. An unclosed block swallows the rest of
 * the text, as in a browser. One forward pass, so hostile input (many unclosed openers) stays linear.
 */
function dropBlocks(text: string): string {
  BLOCK_OPEN.lastIndex = 0;
  let out = '';
  let pos = 0;
  for (let m = BLOCK_OPEN.exec(text); m; m = BLOCK_OPEN.exec(text)) {
    out += text.slice(pos, m.index) + ' ';
    const close = BLOCK_CLOSE[m[1] ? m[1].toLowerCase() : 'comment'];
    close.lastIndex = BLOCK_OPEN.lastIndex;
    const end = close.exec(text);
    if (!end) return out;
    pos = close.lastIndex;
    BLOCK_OPEN.lastIndex = pos;
  }
  return pos === 0 ? text : out + text.slice(pos);
}

/** Removes HTML tags (keeping their text), script/style bodies and comments; decodes entities. */
export function stripHtml(text: string): string {
  if (!MAYBE_MARKUP.test(text)) return text;
  // Tags become spaces so "<p>a</p><p>b</p>" does not glue "ab" together.
  return dropBlocks(text).replace(TAG, ' ').replace(ENTITY, decodeEntity);
}

/**
 * Unicode case folding beyond `toLowerCase`: the full-folding cases that matter for matching
 * (German ß/ẞ → ss, Greek final sigma → σ). Applied after lower-casing.
 */
function foldSpecial(text: string): string {
  if (!/[ßςſ]/.test(text)) return text;
  return text.replace(/ß/g, 'ss').replace(/ς/g, 'σ').replace(/ſ/g, 's');
}

/**
 * Normalises text for matching and feature extraction: HTML stripped, entities decoded, NFKC,
 * case-folded, whitespace collapsed to single spaces and trimmed. Idempotent.
 */
export function normalizeText(text: string): string {
  const plain = stripHtml(text);
  // NFKC first so full-width letters lower-case as ASCII; NFC again because lower-casing can
  // produce decomposed sequences (İ → i̇).
  const folded = foldSpecial(plain.normalize('NFKC').toLowerCase()).normalize('NFC');
  return folded.replace(WHITESPACE, ' ').trim();
}
