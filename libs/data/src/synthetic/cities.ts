import type { TextLanguage } from './languages.ts';

export const CONTINENTS = ['Africa', 'Asia', 'Europe', 'North America', 'South America', 'Oceania'] as const;
export type Continent = (typeof CONTINENTS)[number];

/** A real city the synthetic world places users, hosts and venues around. */
export interface City {
  /** English name (used in text of languages without a local name below). */
  name: string;
  /** The name in the city's own languages, for titles written in them. */
  localNames?: Partial<Record<TextLanguage, string>>;
  continent: Continent;
  /** ISO 3166-1 alpha-2. */
  country: string;
  lat: number;
  lng: number;
  /** IANA zone; offsets (with DST) come from Intl at the moment they are needed. */
  timezone: string;
  /** ISO 4217; every code here is in the features' USD table. */
  currency: string;
  /** Languages events are written in and residents read, with shares (sum 1). */
  languages: ReadonlyArray<readonly [TextLanguage, number]>;
  /** Residents' mother tongue when the generator writes no text in it (they read `languages`). */
  residentLanguage?: string;
  /** Metro population in millions (drives how many users, hosts and events a city gets). */
  population: number;
  /** A typical mid-range ticket in local currency; prices are drawn around it. */
  ticketPrice: number;
}

/**
 * ~60 real cities on six continents. Coordinates are city centres (4 decimals); populations and
 * ticket prices are round figures, good enough for a world that must look plausible, not be exact.
 */
export const CITIES: readonly City[] = [
  // North America
  { name: 'New York', continent: 'North America', country: 'US', lat: 40.7128, lng: -74.006, timezone: 'America/New_York', currency: 'USD', languages: [['en', 0.85], ['es', 0.15]], population: 19, ticketPrice: 30 },
  { name: 'Los Angeles', continent: 'North America', country: 'US', lat: 34.0522, lng: -118.2437, timezone: 'America/Los_Angeles', currency: 'USD', languages: [['en', 0.7], ['es', 0.3]], population: 13, ticketPrice: 30 },
  { name: 'Chicago', continent: 'North America', country: 'US', lat: 41.8781, lng: -87.6298, timezone: 'America/Chicago', currency: 'USD', languages: [['en', 0.9], ['es', 0.1]], population: 9, ticketPrice: 25 },
  { name: 'San Francisco', continent: 'North America', country: 'US', lat: 37.7749, lng: -122.4194, timezone: 'America/Los_Angeles', currency: 'USD', languages: [['en', 0.9], ['zh', 0.1]], population: 4.7, ticketPrice: 35 },
  { name: 'Miami', continent: 'North America', country: 'US', lat: 25.7617, lng: -80.1918, timezone: 'America/New_York', currency: 'USD', languages: [['en', 0.5], ['es', 0.5]], population: 6.1, ticketPrice: 30 },
  { name: 'Toronto', continent: 'North America', country: 'CA', lat: 43.6532, lng: -79.3832, timezone: 'America/Toronto', currency: 'CAD', languages: [['en', 0.9], ['fr', 0.1]], population: 6.2, ticketPrice: 30 },
  { name: 'Montreal', localNames: { fr: 'Montréal' }, continent: 'North America', country: 'CA', lat: 45.5017, lng: -73.5673, timezone: 'America/Toronto', currency: 'CAD', languages: [['fr', 0.65], ['en', 0.35]], population: 4.3, ticketPrice: 30 },
  { name: 'Vancouver', continent: 'North America', country: 'CA', lat: 49.2827, lng: -123.1207, timezone: 'America/Vancouver', currency: 'CAD', languages: [['en', 0.88], ['zh', 0.12]], population: 2.6, ticketPrice: 30 },
  { name: 'Mexico City', localNames: { es: 'Ciudad de México' }, continent: 'North America', country: 'MX', lat: 19.4326, lng: -99.1332, timezone: 'America/Mexico_City', currency: 'MXN', languages: [['es', 1]], population: 21.8, ticketPrice: 300 },
  { name: 'Guadalajara', continent: 'North America', country: 'MX', lat: 20.6597, lng: -103.3496, timezone: 'America/Mexico_City', currency: 'MXN', languages: [['es', 1]], population: 5.3, ticketPrice: 250 },
  // South America
  { name: 'São Paulo', continent: 'South America', country: 'BR', lat: -23.5505, lng: -46.6333, timezone: 'America/Sao_Paulo', currency: 'BRL', languages: [['pt', 1]], population: 22, ticketPrice: 80 },
  { name: 'Rio de Janeiro', continent: 'South America', country: 'BR', lat: -22.9068, lng: -43.1729, timezone: 'America/Sao_Paulo', currency: 'BRL', languages: [['pt', 1]], population: 13.5, ticketPrice: 70 },
  { name: 'Belo Horizonte', continent: 'South America', country: 'BR', lat: -19.9167, lng: -43.9345, timezone: 'America/Sao_Paulo', currency: 'BRL', languages: [['pt', 1]], population: 6, ticketPrice: 60 },
  { name: 'Buenos Aires', continent: 'South America', country: 'AR', lat: -34.6037, lng: -58.3816, timezone: 'America/Argentina/Buenos_Aires', currency: 'ARS', languages: [['es', 1]], population: 15.4, ticketPrice: 15000 },
  { name: 'Bogotá', continent: 'South America', country: 'CO', lat: 4.711, lng: -74.0721, timezone: 'America/Bogota', currency: 'COP', languages: [['es', 1]], population: 11, ticketPrice: 60000 },
  { name: 'Medellín', continent: 'South America', country: 'CO', lat: 6.2442, lng: -75.5812, timezone: 'America/Bogota', currency: 'COP', languages: [['es', 1]], population: 4, ticketPrice: 50000 },
  { name: 'Lima', continent: 'South America', country: 'PE', lat: -12.0464, lng: -77.0428, timezone: 'America/Lima', currency: 'PEN', languages: [['es', 1]], population: 11, ticketPrice: 60 },
  { name: 'Santiago', continent: 'South America', country: 'CL', lat: -33.4489, lng: -70.6693, timezone: 'America/Santiago', currency: 'CLP', languages: [['es', 1]], population: 6.8, ticketPrice: 15000 },
  { name: 'Montevideo', continent: 'South America', country: 'UY', lat: -34.9011, lng: -56.1645, timezone: 'America/Montevideo', currency: 'UYU', languages: [['es', 1]], population: 1.8, ticketPrice: 800 },
  // Europe
  { name: 'London', continent: 'Europe', country: 'GB', lat: 51.5074, lng: -0.1278, timezone: 'Europe/London', currency: 'GBP', languages: [['en', 1]], population: 14, ticketPrice: 20 },
  { name: 'Dublin', continent: 'Europe', country: 'IE', lat: 53.3498, lng: -6.2603, timezone: 'Europe/Dublin', currency: 'EUR', languages: [['en', 1]], population: 1.4, ticketPrice: 20 },
  { name: 'Paris', continent: 'Europe', country: 'FR', lat: 48.8566, lng: 2.3522, timezone: 'Europe/Paris', currency: 'EUR', languages: [['fr', 0.9], ['en', 0.1]], population: 11, ticketPrice: 20 },
  { name: 'Lyon', continent: 'Europe', country: 'FR', lat: 45.764, lng: 4.8357, timezone: 'Europe/Paris', currency: 'EUR', languages: [['fr', 1]], population: 1.7, ticketPrice: 15 },
  { name: 'Brussels', localNames: { fr: 'Bruxelles' }, continent: 'Europe', country: 'BE', lat: 50.8503, lng: 4.3517, timezone: 'Europe/Brussels', currency: 'EUR', languages: [['fr', 0.6], ['en', 0.4]], population: 2.1, ticketPrice: 18 },
  { name: 'Amsterdam', continent: 'Europe', country: 'NL', lat: 52.3676, lng: 4.9041, timezone: 'Europe/Amsterdam', currency: 'EUR', languages: [['en', 1]], residentLanguage: 'nl', population: 2.5, ticketPrice: 20 },
  { name: 'Berlin', continent: 'Europe', country: 'DE', lat: 52.52, lng: 13.405, timezone: 'Europe/Berlin', currency: 'EUR', languages: [['de', 0.8], ['en', 0.2]], population: 3.6, ticketPrice: 18 },
  { name: 'Hamburg', continent: 'Europe', country: 'DE', lat: 53.5511, lng: 9.9937, timezone: 'Europe/Berlin', currency: 'EUR', languages: [['de', 1]], population: 1.8, ticketPrice: 18 },
  { name: 'Munich', localNames: { de: 'München' }, continent: 'Europe', country: 'DE', lat: 48.1351, lng: 11.582, timezone: 'Europe/Berlin', currency: 'EUR', languages: [['de', 1]], population: 2.9, ticketPrice: 20 },
  { name: 'Vienna', localNames: { de: 'Wien' }, continent: 'Europe', country: 'AT', lat: 48.2082, lng: 16.3738, timezone: 'Europe/Vienna', currency: 'EUR', languages: [['de', 1]], population: 1.9, ticketPrice: 20 },
  { name: 'Zurich', localNames: { de: 'Zürich' }, continent: 'Europe', country: 'CH', lat: 47.3769, lng: 8.5417, timezone: 'Europe/Zurich', currency: 'CHF', languages: [['de', 0.9], ['en', 0.1]], population: 1.4, ticketPrice: 35 },
  { name: 'Stockholm', continent: 'Europe', country: 'SE', lat: 59.3293, lng: 18.0686, timezone: 'Europe/Stockholm', currency: 'SEK', languages: [['en', 1]], residentLanguage: 'sv', population: 2.4, ticketPrice: 200 },
  { name: 'Madrid', continent: 'Europe', country: 'ES', lat: 40.4168, lng: -3.7038, timezone: 'Europe/Madrid', currency: 'EUR', languages: [['es', 1]], population: 6.7, ticketPrice: 18 },
  { name: 'Barcelona', continent: 'Europe', country: 'ES', lat: 41.3874, lng: 2.1686, timezone: 'Europe/Madrid', currency: 'EUR', languages: [['es', 0.85], ['en', 0.15]], population: 5.6, ticketPrice: 18 },
  { name: 'Lisbon', localNames: { pt: 'Lisboa' }, continent: 'Europe', country: 'PT', lat: 38.7223, lng: -9.1393, timezone: 'Europe/Lisbon', currency: 'EUR', languages: [['pt', 0.9], ['en', 0.1]], population: 2.9, ticketPrice: 15 },
  { name: 'Moscow', localNames: { ru: 'Москва' }, continent: 'Europe', country: 'RU', lat: 55.7558, lng: 37.6173, timezone: 'Europe/Moscow', currency: 'RUB', languages: [['ru', 1]], population: 12.6, ticketPrice: 1500 },
  { name: 'Saint Petersburg', localNames: { ru: 'Санкт-Петербург' }, continent: 'Europe', country: 'RU', lat: 59.9311, lng: 30.3609, timezone: 'Europe/Moscow', currency: 'RUB', languages: [['ru', 1]], population: 5.4, ticketPrice: 1200 },
  // Africa
  { name: 'Lagos', continent: 'Africa', country: 'NG', lat: 6.5244, lng: 3.3792, timezone: 'Africa/Lagos', currency: 'NGN', languages: [['en', 1]], population: 15, ticketPrice: 10000 },
  { name: 'Cairo', localNames: { ar: 'القاهرة' }, continent: 'Africa', country: 'EG', lat: 30.0444, lng: 31.2357, timezone: 'Africa/Cairo', currency: 'EGP', languages: [['ar', 0.9], ['en', 0.1]], population: 21, ticketPrice: 300 },
  { name: 'Nairobi', continent: 'Africa', country: 'KE', lat: -1.2921, lng: 36.8219, timezone: 'Africa/Nairobi', currency: 'KES', languages: [['en', 1]], residentLanguage: 'sw', population: 5, ticketPrice: 1500 },
  { name: 'Johannesburg', continent: 'Africa', country: 'ZA', lat: -26.2041, lng: 28.0473, timezone: 'Africa/Johannesburg', currency: 'ZAR', languages: [['en', 1]], population: 6, ticketPrice: 250 },
  { name: 'Cape Town', continent: 'Africa', country: 'ZA', lat: -33.9249, lng: 18.4241, timezone: 'Africa/Johannesburg', currency: 'ZAR', languages: [['en', 1]], population: 4.7, ticketPrice: 250 },
  { name: 'Casablanca', localNames: { ar: 'الدار البيضاء' }, continent: 'Africa', country: 'MA', lat: 33.5731, lng: -7.5898, timezone: 'Africa/Casablanca', currency: 'MAD', languages: [['ar', 0.6], ['fr', 0.4]], population: 4.3, ticketPrice: 150 },
  { name: 'Accra', continent: 'Africa', country: 'GH', lat: 5.6037, lng: -0.187, timezone: 'Africa/Accra', currency: 'GHS', languages: [['en', 1]], population: 2.6, ticketPrice: 150 },
  // Asia
  { name: 'Tokyo', localNames: { ja: '東京', zh: '东京' }, continent: 'Asia', country: 'JP', lat: 35.6762, lng: 139.6503, timezone: 'Asia/Tokyo', currency: 'JPY', languages: [['ja', 0.95], ['en', 0.05]], population: 37, ticketPrice: 3000 },
  { name: 'Osaka', localNames: { ja: '大阪', zh: '大阪' }, continent: 'Asia', country: 'JP', lat: 34.6937, lng: 135.5023, timezone: 'Asia/Tokyo', currency: 'JPY', languages: [['ja', 1]], population: 19, ticketPrice: 2500 },
  { name: 'Beijing', localNames: { zh: '北京' }, continent: 'Asia', country: 'CN', lat: 39.9042, lng: 116.4074, timezone: 'Asia/Shanghai', currency: 'CNY', languages: [['zh', 1]], population: 21, ticketPrice: 150 },
  { name: 'Shanghai', localNames: { zh: '上海' }, continent: 'Asia', country: 'CN', lat: 31.2304, lng: 121.4737, timezone: 'Asia/Shanghai', currency: 'CNY', languages: [['zh', 0.9], ['en', 0.1]], population: 27, ticketPrice: 180 },
  { name: 'Shenzhen', localNames: { zh: '深圳' }, continent: 'Asia', country: 'CN', lat: 22.5431, lng: 114.0579, timezone: 'Asia/Shanghai', currency: 'CNY', languages: [['zh', 1]], population: 13, ticketPrice: 150 },
  { name: 'Hong Kong', localNames: { zh: '香港' }, continent: 'Asia', country: 'HK', lat: 22.3193, lng: 114.1694, timezone: 'Asia/Hong_Kong', currency: 'HKD', languages: [['zh', 0.6], ['en', 0.4]], population: 7.5, ticketPrice: 200 },
  { name: 'Taipei', localNames: { zh: '台北' }, continent: 'Asia', country: 'TW', lat: 25.033, lng: 121.5654, timezone: 'Asia/Taipei', currency: 'TWD', languages: [['zh', 1]], population: 7, ticketPrice: 600 },
  { name: 'Singapore', localNames: { zh: '新加坡' }, continent: 'Asia', country: 'SG', lat: 1.3521, lng: 103.8198, timezone: 'Asia/Singapore', currency: 'SGD', languages: [['en', 0.7], ['zh', 0.3]], population: 6, ticketPrice: 35 },
  { name: 'Kuala Lumpur', continent: 'Asia', country: 'MY', lat: 3.139, lng: 101.6869, timezone: 'Asia/Kuala_Lumpur', currency: 'MYR', languages: [['en', 0.7], ['zh', 0.3]], residentLanguage: 'ms', population: 8.6, ticketPrice: 60 },
  { name: 'Manila', continent: 'Asia', country: 'PH', lat: 14.5995, lng: 120.9842, timezone: 'Asia/Manila', currency: 'PHP', languages: [['en', 1]], residentLanguage: 'tl', population: 14, ticketPrice: 800 },
  { name: 'Delhi', localNames: { hi: 'दिल्ली' }, continent: 'Asia', country: 'IN', lat: 28.7041, lng: 77.1025, timezone: 'Asia/Kolkata', currency: 'INR', languages: [['hi', 0.7], ['en', 0.3]], population: 32, ticketPrice: 500 },
  { name: 'Mumbai', localNames: { hi: 'मुंबई' }, continent: 'Asia', country: 'IN', lat: 19.076, lng: 72.8777, timezone: 'Asia/Kolkata', currency: 'INR', languages: [['hi', 0.5], ['en', 0.5]], population: 21, ticketPrice: 600 },
  { name: 'Bengaluru', localNames: { hi: 'बेंगलुरु' }, continent: 'Asia', country: 'IN', lat: 12.9716, lng: 77.5946, timezone: 'Asia/Kolkata', currency: 'INR', languages: [['en', 0.7], ['hi', 0.3]], population: 13, ticketPrice: 600 },
  { name: 'Jaipur', localNames: { hi: 'जयपुर' }, continent: 'Asia', country: 'IN', lat: 26.9124, lng: 75.7873, timezone: 'Asia/Kolkata', currency: 'INR', languages: [['hi', 1]], population: 4, ticketPrice: 300 },
  { name: 'Dubai', localNames: { ar: 'دبي' }, continent: 'Asia', country: 'AE', lat: 25.2048, lng: 55.2708, timezone: 'Asia/Dubai', currency: 'AED', languages: [['en', 0.6], ['ar', 0.4]], population: 3.5, ticketPrice: 100 },
  { name: 'Riyadh', localNames: { ar: 'الرياض' }, continent: 'Asia', country: 'SA', lat: 24.7136, lng: 46.6753, timezone: 'Asia/Riyadh', currency: 'SAR', languages: [['ar', 1]], population: 7.7, ticketPrice: 100 },
  { name: 'Doha', localNames: { ar: 'الدوحة' }, continent: 'Asia', country: 'QA', lat: 25.2854, lng: 51.531, timezone: 'Asia/Qatar', currency: 'QAR', languages: [['ar', 0.6], ['en', 0.4]], population: 2.4, ticketPrice: 100 },
  { name: 'Novosibirsk', localNames: { ru: 'Новосибирск' }, continent: 'Asia', country: 'RU', lat: 55.0084, lng: 82.9357, timezone: 'Asia/Novosibirsk', currency: 'RUB', languages: [['ru', 1]], population: 1.6, ticketPrice: 1000 },
  // Oceania
  { name: 'Sydney', continent: 'Oceania', country: 'AU', lat: -33.8688, lng: 151.2093, timezone: 'Australia/Sydney', currency: 'AUD', languages: [['en', 0.95], ['zh', 0.05]], population: 5.3, ticketPrice: 35 },
  { name: 'Melbourne', continent: 'Oceania', country: 'AU', lat: -37.8136, lng: 144.9631, timezone: 'Australia/Melbourne', currency: 'AUD', languages: [['en', 1]], population: 5.1, ticketPrice: 35 },
  { name: 'Brisbane', continent: 'Oceania', country: 'AU', lat: -27.4698, lng: 153.0251, timezone: 'Australia/Brisbane', currency: 'AUD', languages: [['en', 1]], population: 2.6, ticketPrice: 30 },
  { name: 'Perth', continent: 'Oceania', country: 'AU', lat: -31.9505, lng: 115.8605, timezone: 'Australia/Perth', currency: 'AUD', languages: [['en', 1]], population: 2.1, ticketPrice: 30 },
  { name: 'Auckland', continent: 'Oceania', country: 'NZ', lat: -36.8485, lng: 174.7633, timezone: 'Pacific/Auckland', currency: 'NZD', languages: [['en', 1]], population: 1.7, ticketPrice: 35 },
  { name: 'Wellington', continent: 'Oceania', country: 'NZ', lat: -41.2866, lng: 174.7756, timezone: 'Pacific/Auckland', currency: 'NZD', languages: [['en', 1]], population: 0.4, ticketPrice: 30 },
];

/**
 * The first `count` cities in an order that covers every continent early: round-robin over
 * continents, largest city first within each. Small worlds use few cities so each has people in it.
 */
export function selectCities(count: number): City[] {
  const byContinent = CONTINENTS.map((c) =>
    CITIES.filter((x) => x.continent === c).sort((a, b) => b.population - a.population || a.name.localeCompare(b.name)),
  );
  const out: City[] = [];
  for (let round = 0; out.length < Math.min(count, CITIES.length); round++) {
    for (const list of byContinent) {
      if (round < list.length && out.length < count) out.push(list[round]);
    }
  }
  return out;
}

/** How much of the world's activity a city gets: population^0.6, so megacities do not swallow small worlds. */
export function cityWeight(city: City): number {
  return Math.pow(city.population, 0.6);
}

export function cityNameIn(city: City, language: TextLanguage): string {
  return city.localNames?.[language] ?? city.name;
}
