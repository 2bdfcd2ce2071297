let byName: Map<string, string> | undefined;
let codes: Set<string> | undefined;
/** Region codes ICU names that are not countries. */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ']);

/** English region name (as Intl knows it) → ISO 3166-1 alpha-2, built once from the ICU data. */
function names(): Map<string, string> {
  if (byName !== undefined) return byName;
  const display = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const map = new Map<string, string>();
  const A = 65;
  for (let i = 0; i < 26; i++) {
    for (let j = 0; j < 26; j++) {
      const code = String.fromCharCode(A + i, A + j);
      let name: string | undefined;
      try {
        name = display.of(code);
      } catch {
        name = undefined;
      }
      // First wins: current codes sort before the retired ones that share their name (FR < FX).
      if (name !== undefined && name !== code && !NOT_COUNTRIES.has(code) && !map.has(name.toLowerCase())) map.set(name.toLowerCase(), code);
    }
  }
  // Common spellings in the sources that ICU names differently.
  for (const [alias, code] of [
    ['usa', 'US'], ['united states of america', 'US'], ['uk', 'GB'], ['england', 'GB'], ['great britain', 'GB'],
    ['russia', 'RU'], ['south korea', 'KR'], ['korea', 'KR'], ['vietnam', 'VN'], ['czech republic', 'CZ'],
    ['burma', 'MM'], ['ivory coast', 'CI'], ['macedonia', 'MK'], ['hong kong', 'HK'], ['macau', 'MO'],
    ['palestine', 'PS'], ['turkey', 'TR'], ['the netherlands', 'NL'], ['holland', 'NL'],
  ] as const) {
    if (!map.has(alias)) map.set(alias, code);
  }
  codes = new Set(map.values());
  // Ambiguous with a US state ("Atlanta  Georgia"): better unknown than wrong.
  map.delete('georgia');
  byName = map;
  return map;
}

/** ISO 3166-1 alpha-2 code for an English country name or a code, e.g. `Indonesia` → `ID`; undefined when not a country. */
export function countryCode(text: string): string | undefined {
  const t = text.trim();
  if (/^[A-Z]{2}$/.test(t)) {
    names();
    return codes?.has(t) ? t : undefined;
  }
  return names().get(t.toLowerCase());
}
