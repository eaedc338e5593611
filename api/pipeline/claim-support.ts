/**
 * How well each sentence of an answer is supported by the passages it cites, lexically: the share of the
 * sentence's content words (stemmed) found in those passages, and whether every number it states appears in
 * them. A sentence without its own marker is checked against every cited passage. Used by the decide stage for
 * text a model wrote (the extractive generator only quotes passages). Passage term sets are cached by chunk id.
 */
import { splitSentences } from "../../core/text";
import { passageTerms, termSetOf, type TermSet } from "./passage-terms";

export interface SentenceSupport {
  text: string;
  /** Share of the sentence's content words present in its passages (1 when it has none). */
  support: number;
  /** Numbers stated in the sentence that none of its passages contains. */
  unsupportedNumbers: string[];
}

const MARKER = /\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]/g;

const citedIn = (text: string, n: number) =>
  [...text.matchAll(MARKER)].flatMap((m) => m[1]!.split(",").map((x) => Number(x.trim()) - 1)).filter((i) => i >= 0 && i < n);

/**
 * `passages[i]` is passage i (cited as [i + 1]): its text, and its chunk id for the term cache. `context`: the
 * passages a sentence without a marker is checked against when the text cites none itself (the output rail checks
 * one sentence at a time, with the passages the answer cited before it).
 */
export function sentenceSupport(answer: string, passages: readonly (string | { chunkId?: string; text: string })[], context?: readonly number[]): SentenceSupport[] {
  const sets = new Map<number, TermSet>();
  const passage = (i: number) => {
    let s = sets.get(i);
    if (!s) {
      const p = passages[i]!;
      sets.set(i, (s = typeof p === "string" ? termSetOf(p) : passageTerms(p)));
    }
    return s;
  };
  let allCited = [...new Set(citedIn(answer, passages.length))];
  if (!allCited.length && context) allCited = context.filter((i) => i >= 0 && i < passages.length);
  const out: SentenceSupport[] = [];
  for (const s of splitSentences(answer)) {
    const own = citedIn(s.text, passages.length);
    const cited = own.length ? own : allCited;
    const { terms, numbers } = termSetOf(s.text);
    if (!terms.size && !numbers.size) continue;
    let found = 0;
    for (const t of terms) if (cited.some((i) => passage(i).terms.has(t))) found++;
    out.push({
      text: s.text,
      support: terms.size ? found / terms.size : 1,
      unsupportedNumbers: [...numbers].filter((n) => !cited.some((i) => passage(i).numbers.has(n))),
    });
  }
  return out;
}

/** A sentence counts as supported when at least this share of its words is in its passages and no number is missing. */
export const MIN_SENTENCE_SUPPORT = 0.5;

export const isSupported = (s: SentenceSupport): boolean => s.support >= MIN_SENTENCE_SUPPORT && s.unsupportedNumbers.length === 0;
