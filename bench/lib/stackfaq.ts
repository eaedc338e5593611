/**
 * ../shared/datasets/stackfaq as the retrieval benches read it: the 125 threads, and the user rephrasings as
 * queries ("*" placeholders, texts under 8 characters and duplicates within a thread dropped), each relevant to
 * its thread. The dataset's split rule: tune on queries of even-indexed threads, report on odd ones.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export interface QaPair {
  rephr: string[];
  question: string;
  answer: string[] | string;
}

export const STACKFAQ = resolve(import.meta.dir, "../../../shared/datasets/stackfaq/stackExchange-FAQ.json");

export function loadStackFaq(path = STACKFAQ): { pairs: QaPair[]; queries: { text: string; thread: number }[] } {
  const pairs = (JSON.parse(readFileSync(path, "utf8")) as { root: { qapair: QaPair[] } }).root.qapair;
  const queries: { text: string; thread: number }[] = [];
  pairs.forEach((p, i) => {
    const seen = new Set<string>();
    for (const r of p.rephr) {
      const q = (r ?? "").trim();
      if (q.length < 8 || seen.has(q.toLowerCase())) continue;
      seen.add(q.toLowerCase());
      queries.push({ text: q, thread: i });
    }
  });
  return { pairs, queries };
}

export const answersOf = (p: QaPair): string[] => (Array.isArray(p.answer) ? p.answer : [p.answer]);
