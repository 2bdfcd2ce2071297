/**
 * @evrec/text — multilingual text features without a downloaded model: normalisation,
 * Intl.Segmenter word tokens, language detection, signed feature hashing (dense and sparse),
 * and the seam for an external pre-trained encoder loaded from a local directory.
 */
export { normalizeText, stripHtml } from './normalize.ts';
export { tokenize, segmentWords, segmentationLocale, MAX_TOKEN_LENGTH } from './tokenize.ts';
export { detectLanguage, DETECTABLE_LANGUAGES, type DetectableLanguage } from './detect.ts';
export {
  hashedTextVector,
  hashedTokensVector,
  sparseTextFeatures,
  cosine,
  FEATURE_WEIGHTS,
  DEFAULT_DENSE_DIMS,
  DEFAULT_SPARSE_BUCKETS,
  type TextVectorOptions,
  type SparseTextOptions,
  type SparseTextFeatures,
} from './hashing.ts';
export {
  createTextEncoder,
  createHashedTextEncoder,
  ExternalEncoderManifestSchema,
  type TextEncoder,
  type TextEncoderSpec,
  type ExternalEncoderManifest,
} from './encoder.ts';
