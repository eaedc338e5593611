/**
 * Stemmed content terms and the numbers of a passage, cached by chunk id (a chunk id names one immutable version
 * of a chunk, so the cache never goes stale). Shared by the grounding gate and the claim-support check, which
 * would otherwise tokenise the same passages for every answer.
 */
import { contentTokens, stem } from "../../core/text";
import { compoundParts } from "../../inference/extractive-sentences";

export interface TermSet {
  terms: ReadonlySet<string>;
  numbers: ReadonlySet<string>;
}

const MARKER = /\[\s*\d{1,3}(?:\s*,\s*\d{1,3})*\s*\]/g;
const NUMBER = /\d+(?:[.,]\d+)*/g;
/** "1,299" and "1299" are one number; "4.0" is "4". */
export const normNumber = (n: string) => n.replace(/,(?=\d{3}\b)/g, "").replace(/\.0+$/, "");

/** Stemmed content terms (a two-part compound such as "75-inch" also gives its parts) and numbers of a text. */
export function termSetOf(text: string): TermSet {
  const clean = text.replace(MARKER, " ");
  const terms = new Set<string>();
  for (const t of contentTokens(clean)) {
    terms.add(stem(t));
    for (const part of compoundParts(t)) terms.add(stem(part));
  }
  return { terms, numbers: new Set([...clean.matchAll(NUMBER)].map((m) => normNumber(m[0]))) };
}

/**
 * `compute` memoised by chunk id, keeping the `max` most recently added (the oldest leaves first). A chunk id names
 * immutable text, so an entry never goes stale.
 */
export function memoByChunk<P extends { chunkId: string }, T>(max: number, compute: (p: P) => T): (p: P) => T {
  const cache = new Map<string, T>();
  return (p) => {
    let v = cache.get(p.chunkId);
    if (v === undefined) {
      v = compute(p);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(p.chunkId, v);
    }
    return v;
  };
}

const cachedTerms = memoByChunk(8192, (p: { chunkId: string; text: string }) => termSetOf(p.text));

/** The term set of a passage, from the cache when its chunk id was seen before. */
export function passageTerms(p: { chunkId?: string; text: string }): TermSet {
  return p.chunkId ? cachedTerms(p as { chunkId: string; text: string }) : termSetOf(p.text);
}
