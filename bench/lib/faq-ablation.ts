/**
 * Keyword-index variants for bench/faq-retrieval.ts --ablation: each is built over the product's own chunks
 * (keywordDocOf of every active chunk, as the product indexes them) and ranks documents by their best chunk, as
 * the keyword channel does. Options are chosen by their score on the tuning halves only.
 *
 * Extra variants: ABLATION='[{"coordination":0.5}, {"stopWords":"STOP_WORDS"}, ...]' (Bm25Options as JSON; stopWords
 * is "STOP_WORDS", "KEYWORD_STOP_WORDS" or an array of words).
 */
import type { KeywordDoc, KeywordIndex } from "../../core/ports/keyword-index";
import { BM25_PLAIN, Bm25KeywordIndex, KEYWORD_STOP_WORDS, type Bm25Options } from "../../core/stores/bm25-keyword-index";
import { MiniSearchKeywordIndex } from "../../core/stores/minisearch-keyword-index";
import { STOP_WORDS } from "../../core/text/tokenize";
import type { FaqSet, Scores } from "../faq-retrieval";
import { docsOf, scoreHalves } from "../faq-retrieval";

type JsonOptions = Omit<Bm25Options, "stopWords"> & { stopWords?: string | string[] };
const stopWordsOf = (s: JsonOptions["stopWords"]) => (s === "STOP_WORDS" ? STOP_WORDS : s === "KEYWORD_STOP_WORDS" ? KEYWORD_STOP_WORDS : Array.isArray(s) ? new Set(s) : undefined);
const bm25 = (o: JsonOptions) => () => new Bm25KeywordIndex({ ...o, stopWords: stopWordsOf(o.stopWords) });

export const VARIANTS: [string, () => KeywordIndex][] = [
  ["bm25 before FAQ tuning (plain: no word parts, STOP_WORDS, no fuzzy, no coordination)", () => new Bm25KeywordIndex(BM25_PLAIN)],
  ["bm25 plain + word parts", () => new Bm25KeywordIndex({ ...BM25_PLAIN, words: true })],
  ["bm25 plain + KEYWORD_STOP_WORDS", () => new Bm25KeywordIndex({ ...BM25_PLAIN, stopWords: KEYWORD_STOP_WORDS })],
  ["bm25 plain + typo fallback", () => new Bm25KeywordIndex({ ...BM25_PLAIN, fuzzy: { minLength: 5, weight: 0.5 } })],
  ["bm25 plain + coordination 0.25", () => new Bm25KeywordIndex({ ...BM25_PLAIN, coordination: 0.25 })],
  ["bm25 defaults (all four)", () => new Bm25KeywordIndex()],
  ["bm25 defaults - word parts", () => new Bm25KeywordIndex({ words: false })],
  ["bm25 defaults - KEYWORD_STOP_WORDS (STOP_WORDS)", () => new Bm25KeywordIndex({ stopWords: STOP_WORDS })],
  ["bm25 defaults - typo fallback", () => new Bm25KeywordIndex({ fuzzy: false })],
  ["bm25 defaults - coordination", () => new Bm25KeywordIndex({ coordination: 0 })],
  ["minisearch adapter", () => new MiniSearchKeywordIndex()],
  ...(JSON.parse(process.env.ABLATION ?? "[]") as JsonOptions[]).map((o): [string, () => KeywordIndex] => [`bm25 ${JSON.stringify(o)}`, bm25(o)]),
];

export async function ablationRows(set: FaqSet, docs: KeywordDoc[], docOfChunk: (id: string) => number | undefined): Promise<{ name: string; scores: Scores }[]> {
  const tenantId = docs[0]?.tenantId ?? "default";
  const rows: { name: string; scores: Scores }[] = [];
  for (const [name, make] of VARIANTS) {
    const index = make();
    await index.add(docs);
    const scores = await scoreHalves(set, async (q) => docsOf((await index.search(q, 120, { tenantId })).map((h) => h.id), docOfChunk));
    rows.push({ name: `ablation: ${name}`, scores });
  }
  return rows;
}
