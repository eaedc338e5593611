/**
 * Lexical features of a message for the intent classifier, beside the sentence encoder's vector: its stemmed
 * words and word pairs, hashed into `buckets` slots, L2-normalised. The encoder knows paraphrases; these keep
 * the words an intent's examples share (card, pin, refund, top-up) that a general-purpose encoder blurs.
 */
import { stem, tokenize } from "../../core/text";

export type SparseVector = { index: Uint32Array; value: Float32Array };

export const LEXICAL_BUCKETS = 1 << 15;

/** FNV-1a over a string, folded into `buckets`. */
function bucket(s: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) % buckets;
}

export function lexicalFeatures(text: string, buckets = LEXICAL_BUCKETS): SparseVector {
  const words = tokenize(text).map(stem);
  const counts = new Map<number, number>();
  const add = (s: string) => {
    const b = bucket(s, buckets);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  };
  words.forEach((w, i) => {
    add(w);
    if (i > 0) add(`${words[i - 1]} ${w}`);
  });
  const index = Uint32Array.from(counts.keys());
  const value = Float32Array.from(counts.values());
  const norm = Math.hypot(...value) || 1;
  for (let i = 0; i < value.length; i++) value[i]! /= norm;
  return { index, value };
}
