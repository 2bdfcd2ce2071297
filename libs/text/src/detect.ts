/**
 * Small deterministic language detector: script counts decide non-Latin languages; Latin text is
 * scored on stop words, diacritics and word endings. Good for sentences and short descriptions;
 * two-word titles without stop words may come back undefined (callers then fall back to the
 * declared or user locale). No model, no data files.
 */
import { stripHtml } from './normalize.ts';

/** Languages the detector can return (ISO 639-1). */
export const DETECTABLE_LANGUAGES = [
  'en', 'es', 'fr', 'de', 'pt', 'it', 'nl', 'ja', 'zh', 'ko', 'ar', 'hi', 'ru', 'uk', 'th', 'el', 'he',
] as const;
export type DetectableLanguage = (typeof DETECTABLE_LANGUAGES)[number];

const LATIN_LANGS = ['en', 'es', 'fr', 'de', 'pt', 'it', 'nl'] as const;
type LatinLang = (typeof LATIN_LANGS)[number];

// Frequent function words. A word listed for several languages is split between them.
const STOP_WORDS: Record<LatinLang, string> = {
  en: 'the and of to in is are was were for on with at by from this that it be as an or not you your we our they their will can have has all about more join us',
  es: 'el la los las de del y en que un una es por con para se su sus al lo como más pero este esta son muy ser hay nuestro nuestra te ven ya también',
  fr: 'le la les de des du et en un une est pour dans que qui sur avec au aux ce cette sont pas par plus nous vous votre notre il elle ou mais leur venez',
  de: 'der die das und ist nicht ein eine mit für auf den dem des zu im von sich auch es wir ihr sie bei zum zur oder aus wie nach unser unsere kommt',
  pt: 'o a os as de do da dos das e em um uma que para com por no na nos nas não se mais ao como seu sua é são você venha nosso nossa também',
  it: 'il lo la gli le di del della dei delle e in un una che per con su non si sono è al alla come più ma anche nel nella vieni nostro nostra questo',
  nl: 'de het een van en in is op te voor met niet zijn dat die er aan bij ook om als maar naar wij jullie onze ons komt uit wordt',
};

// Distinctive letters and endings (weight per occurrence).
const CHAR_CUES: Array<[RegExp, LatinLang, number]> = [
  [/ñ/g, 'es', 2], [/[¿¡]/g, 'es', 2], [/ción\b/g, 'es', 2],
  [/[ãõ]/g, 'pt', 2], [/ção\b|ções\b/g, 'pt', 2], [/ç/g, 'pt', 0.5], [/\b\w+(nh|lh)\w*/g, 'pt', 0.3],
  [/ß/g, 'de', 3], [/[äöü]/g, 'de', 1], [/sch/g, 'de', 0.5], [/(ung|keit|heit|lich)\b/g, 'de', 1],
  [/[èêëîïôûœ]/g, 'fr', 1], [/ç/g, 'fr', 0.5], [/(eux|eau|aux|ement)\b/g, 'fr', 1], [/\b[ldjqn]'/g, 'fr', 1],
  [/[òìù]/g, 'it', 1.5], [/(zione|zioni|ggi|tto|tti)\b/g, 'it', 1], [/\b\w+zz\w*/g, 'it', 0.5],
  [/ij/g, 'nl', 1], [/(heid|lijk|tje|tjes)\b/g, 'nl', 1.5], [/\b\w*aa\w*/g, 'nl', 0.5], [/\b\w*oe\w*/g, 'nl', 0.3],
  [/(ing|tion|ly)\b/g, 'en', 0.7], [/\b\w+'s\b|n't\b/g, 'en', 1], [/\bth\w+/g, 'en', 0.5],
];

const STOP_WEIGHTS = new Map<string, Map<LatinLang, number>>();
for (const lang of LATIN_LANGS) {
  for (const word of STOP_WORDS[lang].split(' ')) {
    let m = STOP_WEIGHTS.get(word);
    if (!m) STOP_WEIGHTS.set(word, (m = new Map()));
    m.set(lang, 1);
  }
}
for (const m of STOP_WEIGHTS.values()) for (const lang of m.keys()) m.set(lang, 1 / m.size);

/** Only the first part of a long text is examined: enough evidence, bounded cost. */
const SAMPLE_CHARS = 1500;

type Script = 'latin' | 'han' | 'kana' | 'hangul' | 'thai' | 'arabic' | 'devanagari' | 'cyrillic' | 'greek' | 'hebrew';

function scriptOf(c: number): Script | undefined {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? 'latin' : undefined;
  if (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) return 'latin';
  if (c >= 0x370 && c <= 0x3ff) return 'greek';
  if (c >= 0x400 && c <= 0x4ff) return 'cyrillic';
  if (c >= 0x590 && c <= 0x5ff) return 'hebrew';
  if ((c >= 0x600 && c <= 0x6ff) || (c >= 0x750 && c <= 0x77f) || (c >= 0xfb50 && c <= 0xfdff) || (c >= 0xfe70 && c <= 0xfeff)) return 'arabic';
  if (c >= 0x900 && c <= 0x97f) return 'devanagari';
  if (c >= 0xe00 && c <= 0xe7f) return 'thai';
  if ((c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f) || (c >= 0xac00 && c <= 0xd7af)) return 'hangul';
  if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x31f0 && c <= 0x31ff) || (c >= 0xff66 && c <= 0xff9f)) return 'kana';
  if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x2fa1f)) return 'han';
  if (c >= 0x1e00 && c <= 0x1eff) return 'latin';
  return undefined;
}

// One ideograph or syllable block carries about as much as a few alphabetic letters.
const SCRIPT_WEIGHT: Record<Script, number> = {
  latin: 1, greek: 1, cyrillic: 1, hebrew: 1, arabic: 1, devanagari: 1, thai: 1, han: 3, kana: 2, hangul: 3,
};

function scoreLatin(sample: string): LatinLang | undefined {
  const scores: Record<LatinLang, number> = { en: 0, es: 0, fr: 0, de: 0, pt: 0, it: 0, nl: 0 };
  for (const word of sample.split(/[^\p{L}']+/u)) {
    const w = STOP_WEIGHTS.get(word);
    if (w) for (const [lang, v] of w) scores[lang] += v;
  }
  for (const [re, lang, weight] of CHAR_CUES) {
    const m = sample.match(re);
    if (m) scores[lang] += weight * m.length;
  }
  let best: LatinLang | undefined;
  let bestScore = 0.99; // below one full cue: not enough evidence to name a language
  for (const lang of LATIN_LANGS) {
    if (scores[lang] > bestScore) {
      best = lang;
      bestScore = scores[lang];
    }
  }
  return best;
}

/**
 * Detects the language of `text` (ISO 639-1), or undefined when there is too little evidence
 * (empty, numbers only, or a few Latin words without cues). Deterministic: ties go to the
 * earlier language in {@link DETECTABLE_LANGUAGES}.
 */
export function detectLanguage(text: string): string | undefined {
  const sample = stripHtml(text.length > SAMPLE_CHARS * 2 ? text.slice(0, SAMPLE_CHARS * 2) : text)
    .slice(0, SAMPLE_CHARS)
    .normalize('NFKC')
    .toLowerCase();
  const counts: Record<Script, number> = {
    latin: 0, han: 0, kana: 0, hangul: 0, thai: 0, arabic: 0, devanagari: 0, cyrillic: 0, greek: 0, hebrew: 0,
  };
  let ukrainian = 0;
  let persianOrUrdu = 0;
  for (const ch of sample) {
    const c = ch.codePointAt(0) ?? 0;
    const s = scriptOf(c);
    if (s === undefined) continue;
    counts[s] += SCRIPT_WEIGHT[s];
    if (c === 0x456 || c === 0x457 || c === 0x454 || c === 0x491) ukrainian++;
    if (c === 0x67e || c === 0x686 || c === 0x698 || c === 0x6af || c === 0x6cc || c === 0x6c1) persianOrUrdu++;
  }
  // Japanese mixes kana with kanji; any real share of kana marks it.
  const cjk = counts.han + counts.kana;
  let script: Script | undefined;
  let max = 0;
  for (const s of Object.keys(counts) as Script[]) {
    if (s === 'han' || s === 'kana') continue;
    if (counts[s] > max) {
      max = counts[s];
      script = s;
    }
  }
  if (cjk > max) return counts.kana >= 0.05 * cjk ? 'ja' : 'zh';
  switch (script) {
    case undefined: return undefined;
    case 'latin': return scoreLatin(sample);
    case 'hangul': return 'ko';
    case 'thai': return 'th';
    case 'devanagari': return 'hi';
    case 'greek': return 'el';
    case 'hebrew': return 'he';
    case 'cyrillic': return ukrainian >= 2 ? 'uk' : 'ru';
    // Persian and Urdu share the script; without their own cues we call it Arabic only when
    // their distinctive letters are absent. They are not in the supported set, so: undefined.
    case 'arabic': return persianOrUrdu > 2 && persianOrUrdu > counts.arabic * 0.03 ? undefined : 'ar';
    default: return undefined;
  }
}
