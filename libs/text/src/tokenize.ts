/**
 * Word segmentation with `Intl.Segmenter` (ICU dictionaries split Japanese, Chinese and Thai into
 * words). Segmenters are cached per locale: constructing one costs far more than using it.
 */
import { detectLanguage } from './detect.ts';
import { normalizeText } from './normalize.ts';

/** Longer "words" are glued URLs or junk; they are cut so one token cannot dominate hashing. */
export const MAX_TOKEN_LENGTH = 64;

const segmenters = new Map<string, Intl.Segmenter>();

function segmenterFor(locale: string): Intl.Segmenter {
  let seg = segmenters.get(locale);
  if (seg) return seg;
  try {
    seg = new Intl.Segmenter(locale, { granularity: 'word' });
  } catch {
    // An invalid language tag must not fail feature extraction: fall back to root rules.
    seg = segmenters.get('und') ?? new Intl.Segmenter('und', { granularity: 'word' });
  }
  segmenters.set(locale, seg);
  return seg;
}

/** Locale used to segment `normalized` text: the declared language, else the detected one, else root. */
export function segmentationLocale(normalized: string, language?: string): string {
  // Sources write locales as `en_US`; Intl wants `en-US`.
  const declared = language?.trim().replace(/_/g, '-');
  return declared ? declared.toLowerCase() : (detectLanguage(normalized) ?? 'und');
}

/** Splits already-normalised text into word-like segments (punctuation and spaces dropped). */
export function segmentWords(normalized: string, locale: string): string[] {
  const out: string[] = [];
  if (normalized.length === 0) return out;
  for (const s of segmenterFor(locale).segment(normalized)) {
    if (!s.isWordLike) continue;
    out.push(s.segment.length > MAX_TOKEN_LENGTH ? s.segment.slice(0, MAX_TOKEN_LENGTH) : s.segment);
  }
  return out;
}

/**
 * Normalises `text` ({@link normalizeText}) and splits it into words with the segmenter for
 * `language` (detected when not given). Punctuation and whitespace are dropped; numbers are kept.
 */
export function tokenize(text: string, language?: string): string[] {
  const normalized = normalizeText(text);
  return segmentWords(normalized, segmentationLocale(normalized, language));
}
