/**
 * How well each sentence of an answer is supported by the passages it cites, lexically: the share of the
 * sentence's content words (stemmed) found in those passages, and whether every number it states appears in
 * them. A sentence without its own marker is checked against every cited passage. Used by the decide stage for
 * text a model wrote (the extractive generator only quotes passages).
 */
import { contentTokens, splitSentences, stem } from "../../core/text";

export interface SentenceSupport {
  text: string;
  /** Share of the sentence's content words present in its passages (1 when it has none). */
  support: number;
  /** Numbers stated in the sentence that none of its passages contains. */
  unsupportedNumbers: string[];
}

const MARKER = /\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]/g;
/** Numbers as written ("15", "5-10" gives 5 and 10, "4.5", "1,299"), compared without thousands separators. */
const NUMBER = /\d+(?:[.,]\d+)*/g;
const normNumber = (n: string) => n.replace(/,(?=\d{3}\b)/g, "").replace(/\.0+$/, "");

function termsOf(text: string): Set<string> {
  return new Set(contentTokens(text.replace(MARKER, " ")).map(stem));
}

function numbersOf(text: string): string[] {
  return [...text.replace(MARKER, " ").matchAll(NUMBER)].map((m) => normNumber(m[0]));
}

/** `passages[i]` is the text of passage i (cited as [i + 1]). */
export function sentenceSupport(answer: string, passages: readonly string[]): SentenceSupport[] {
  const cache = new Map<number, { terms: Set<string>; numbers: Set<string> }>();
  const passage = (i: number) => {
    let p = cache.get(i);
    if (!p) cache.set(i, (p = { terms: termsOf(passages[i] ?? ""), numbers: new Set(numbersOf(passages[i] ?? "")) }));
    return p;
  };
  const allCited = [...new Set([...answer.matchAll(MARKER)].flatMap((m) => m[1]!.split(",").map((x) => Number(x.trim()) - 1)))].filter((i) => i >= 0 && i < passages.length);
  const out: SentenceSupport[] = [];
  for (const s of splitSentences(answer)) {
    const own = [...s.text.matchAll(MARKER)].flatMap((m) => m[1]!.split(",").map((x) => Number(x.trim()) - 1)).filter((i) => i >= 0 && i < passages.length);
    const cited = own.length ? own : allCited;
    const terms = termsOf(s.text);
    const nums = numbersOf(s.text);
    if (!terms.size && !nums.length) continue;
    let found = 0;
    for (const t of terms) if (cited.some((i) => passage(i).terms.has(t))) found++;
    out.push({
      text: s.text,
      support: terms.size ? found / terms.size : 1,
      unsupportedNumbers: nums.filter((n) => !cited.some((i) => passage(i).numbers.has(n))),
    });
  }
  return out;
}

/** A sentence counts as supported when at least this share of its words is in its passages and no number is missing. */
export const MIN_SENTENCE_SUPPORT = 0.5;

export const isSupported = (s: SentenceSupport): boolean => s.support >= MIN_SENTENCE_SUPPORT && s.unsupportedNumbers.length === 0;
