/** Languages the generator writes event text in (ISO 639-1), with the script each uses. */
export const TEXT_LANGUAGES = ['en', 'es', 'fr', 'de', 'pt', 'ru', 'ar', 'hi', 'zh', 'ja'] as const;
export type TextLanguage = (typeof TEXT_LANGUAGES)[number];

export const LANGUAGE_SCRIPT: Readonly<Record<TextLanguage, string>> = {
  en: 'Latin',
  es: 'Latin',
  fr: 'Latin',
  de: 'Latin',
  pt: 'Latin',
  ru: 'Cyrillic',
  ar: 'Arabic',
  hi: 'Devanagari',
  zh: 'Han',
  ja: 'Japanese (Han + Hiragana + Katakana)',
};

export function languageIndex(language: TextLanguage): number {
  return TEXT_LANGUAGES.indexOf(language);
}
