/**
 * Stemmed content terms and the numbers of a passage, cached by chunk id (a chunk id names one immutable version
 * of a chunk, so the cache never goes stale). Shared by the grounding gate and the claim-support check, which
 * would otherwise tokenise the same passages for every answer.
 */
import { contentTokens, stem } from "../../core/text";

export interface TermSet {
  terms: ReadonlySet<string>;
  numbers: ReadonlySet<string>;
}

const MARKER = /\[\s*\d{1,3}(?:\s*,\s*\d{1,3})*\s*\]/g;
const NUMBER = /\d+(?:[.,]\d+)*/g;
/** "1,299" and "1299" are one number; "4.0" is "4". */
export const normNumber = (n: string) => n.replace(/,(?=\d{3}\b)/g, "").replace(/\.0+$/, "");

export function termSetOf(text: string): TermSet {
  const clean = text.replace(MARKER, " ");
  return { terms: new Set(contentTokens(clean).map(stem)), numbers: new Set([...clean.matchAll(NUMBER)].map((m) => normNumber(m[0]))) };
}

const MAX = 8192;
const cache = new Map<string, TermSet>();

/** The term set of a passage, from the cache when its chunk id was seen before. */
export function passageTerms(p: { chunkId?: string; text: string }): TermSet {
  if (!p.chunkId) return termSetOf(p.text);
  let t = cache.get(p.chunkId);
  if (!t) {
    t = termSetOf(p.text);
    if (cache.size >= MAX) cache.delete(cache.keys().next().value!);
    cache.set(p.chunkId, t);
  }
  return t;
}
