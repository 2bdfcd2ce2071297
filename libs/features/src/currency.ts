/**
 * A fixed currency table: approximate USD per one major unit (mid-2024 averages). Prices become
 * comparable across countries; the table is part of the price features' definition, so changing a
 * rate means bumping their version (a trained ranker must see the same conversion at serving time).
 */
export const USD_PER_UNIT: Readonly<Record<string, number>> = {
  USD: 1, EUR: 1.08, GBP: 1.27, CHF: 1.12, CAD: 0.73, AUD: 0.66, NZD: 0.61, JPY: 0.0066, CNY: 0.138,
  HKD: 0.128, TWD: 0.031, KRW: 0.00073, SGD: 0.74, INR: 0.012, IDR: 0.000062, MYR: 0.21, THB: 0.028,
  PHP: 0.0174, VND: 0.000040, SEK: 0.095, NOK: 0.093, DKK: 0.145, ISK: 0.0072, PLN: 0.25, CZK: 0.043,
  HUF: 0.0027, RON: 0.22, BGN: 0.55, RSD: 0.0092, UAH: 0.025, RUB: 0.011, TRY: 0.031, ILS: 0.27,
  AED: 0.272, SAR: 0.267, QAR: 0.275, EGP: 0.021, MAD: 0.10, ZAR: 0.054, NGN: 0.00070, KES: 0.0076,
  GHS: 0.068, BRL: 0.19, MXN: 0.056, ARS: 0.0011, CLP: 0.0011, COP: 0.00025, PEN: 0.27, UYU: 0.025,
};

/**
 * Price in USD, or NaN when unknown. A price of 0 is free in any currency (and a missing currency
 * on a free event does not matter).
 */
export function priceUsd(price: number | undefined, currency: string | undefined): number {
  if (price === undefined) return NaN;
  if (price === 0) return 0;
  if (currency === undefined) return NaN;
  const rate = USD_PER_UNIT[currency];
  return rate === undefined ? NaN : price * rate;
}
