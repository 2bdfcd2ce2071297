export { generateWorld, GENERATOR_VERSION, type GenerateWorldOptions, type WorldSummary } from './world.ts';
export { PRESETS, PRESET_NAMES, resolveWorldOptions, WorldOptionsSchema, type PresetName, type ResolvedWorldOptions, type WorldOptions } from './options.ts';
export { CITIES, CONTINENTS, selectCities, type City, type Continent } from './cities.ts';
export { CATEGORIES, CATEGORY_NAMES, type CategoryProfile } from './categories.ts';
export { TEXT_LANGUAGES, LANGUAGE_SCRIPT, type TextLanguage } from './languages.ts';
export { SIGNALS } from './simulation.ts';
