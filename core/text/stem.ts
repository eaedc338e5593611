/** Porter stemming (npm `stemmer`) for matching: "returns", "returned", "returning" -> "return". */
import { stemmer } from "stemmer";

const cache = new Map<string, string>();

export function stem(token: string): string {
  // Codes and numbers ("sku-1042", "4.5") are kept verbatim.
  if (/[\d\-_./]/.test(token)) return token;
  let s = cache.get(token);
  if (s === undefined) {
    s = stemmer(token);
    if (cache.size > 200_000) cache.clear();
    cache.set(token, s);
  }
  return s;
}
