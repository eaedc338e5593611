/**
 * Retrieval quality on FAQ-form knowledge bases (title = the question, body = the answer; queries are short,
 * misspelled user paraphrases), in one run over several sets, against a bare MiniSearch baseline.
 *
 * Sets (each split into a tuning half and a reported half; nothing is ever tuned on the reported half):
 * - stackfaq: ../shared/datasets/stackfaq, loaded as bench/retrieval-quality.ts does (125 threads, title = the
 *   question, body = question + answers, queries = the rephrasings, qrel = the thread). Tune: queries of
 *   even-indexed threads; report: odd-indexed threads.
 * - bitext-faq: ../shared/datasets/bitext-customer-support, one document per intent (27). Rules, all from one RNG
 *   seeded with SEED (seededRandom, bench/lib/corpus.ts), intents in order of first appearance:
 *   title = a random instruction of the intent among those with no digit and at least 3 words; body = the
 *   response of another random row of the intent; {{Placeholder Anonymized}} -> "Placeholder" in bodies (as
 *   bench/lib/corpus.ts does). Queries = every other distinct instruction of the intent, as given (typos kept).
 *   Split: per intent, a seeded shuffle puts 20% of its queries in the reported half, the rest in the tuning half.
 * - bitext-faq-long: the same titles and queries, body = 3 responses of 3 random rows of the intent (a long
 *   answer of ~2 kB, several chunks): the title has to carry the match.
 *
 * Rows per set: bare MiniSearch over {title, text = body} (`new MiniSearch({ fields: ["title", "text"] })`,
 * default search options), the same with title boost 2, then through the product's real ingestion and retrieval
 * (createServices with an in-memory database, pipeline.ingestMany, retriever.retrieve): one row per channel name
 * the retriever reports (services.retriever.channelNames, so a new channel gets its row by itself) and the fused
 * result of all channels with the product's default fusion. Passages are reduced to their document (first
 * occurrence) before scoring; a query has exactly one relevant document.
 *
 *   bun run bench/faq-retrieval.ts [--sets stackfaq,bitext-faq,bitext-faq-long] [--minisearch] [--ablation] [--heading-rerank] [--weights heading=0.25] [--graph]
 *
 * --minisearch: the product with KEYWORD_INDEX=minisearch. --ablation: also scores keyword-index variants
 * (bench/lib/faq-ablation.ts) on the product's own chunks, for choosing options on the tuning halves.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { answersOf, loadStackFaq, type QaPair } from "./lib/stackfaq";
import MiniSearch from "minisearch";
import { createServices } from "../api/services";
import { loadConfig } from "../core/config";
import { keywordDocOf } from "../core/stores/open-stores";
import type { KeywordDoc } from "../core/ports/keyword-index";
import { seededRandom } from "../inference/simulator/faults";
import { rankMetrics, table, type RankMetrics } from "./lib/metrics";

const SHARED = resolve(import.meta.dir, "../../shared/datasets");
const SEED = 10;
const ALL_SETS = ["stackfaq", "stackfaq-faq", "bitext-faq", "bitext-faq-long"];

export interface FaqDoc {
  title: string;
  body: string;
}
export interface FaqQuery {
  text: string;
  /** Index of the relevant document. */
  doc: number;
  /** In the tuning half (else the reported half). */
  tune: boolean;
}
export interface FaqSet {
  name: string;
  docs: FaqDoc[];
  queries: FaqQuery[];
  split: string;
}

function stackfaq(faqForm = false): FaqSet {
  const { pairs, queries } = loadStackFaq(`${SHARED}/stackfaq/stackExchange-FAQ.json`);
  const answers = (p: QaPair) => answersOf(p).join("\n\n");
  const docs = pairs.map((p) => ({ title: p.question, body: faqForm ? answers(p) : `${p.question}\n\n${answers(p)}` }));
  return {
    name: faqForm ? "stackfaq-faq" : "stackfaq",
    docs,
    queries: queries.map((q) => ({ text: q.text, doc: q.thread, tune: q.thread % 2 === 0 })),
    split: "tune = even threads, report = odd threads",
  };
}

function bitext(long: boolean): FaqSet {
  const rows = parse(readFileSync(`${SHARED}/bitext-customer-support/Bitext_Sample_Customer_Support_Training_Dataset.csv`), { columns: true, skip_empty_lines: true }) as {
    instruction: string;
    intent: string;
    response: string;
  }[];
  const byIntent = new Map<string, typeof rows>();
  for (const r of rows) {
    let list = byIntent.get(r.intent);
    if (!list) byIntent.set(r.intent, (list = []));
    list.push(r);
  }
  const next = seededRandom(SEED);
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
  const clean = (t: string) => t.replace(/\{\{([^}]+)\}\}/g, (_, name: string) => name.replace(/ Anonymized/i, "").trim());
  const docs: FaqDoc[] = [];
  const queries: FaqQuery[] = [];
  for (const list of byIntent.values()) {
    const d = docs.length;
    const candidates = list.filter((r) => !/\d/.test(r.instruction) && r.instruction.trim().split(/\s+/).length >= 3);
    const titleRow = pick(candidates);
    const title = titleRow.instruction.trim();
    const others = list.filter((r) => r !== titleRow);
    const bodies: string[] = [];
    for (let k = 0; k < (long ? 3 : 1); k++) bodies.push(clean(pick(others).response.trim()));
    docs.push({ title, body: bodies.join("\n\n") });
    const seen = new Set([title.toLowerCase()]);
    const qs: string[] = [];
    for (const r of list) {
      const q = r.instruction.trim();
      if (seen.has(q.toLowerCase())) continue;
      seen.add(q.toLowerCase());
      qs.push(q);
    }
    // Seeded Fisher-Yates; the first 20% (rounded) are the reported half of this intent.
    for (let i = qs.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [qs[i], qs[j]] = [qs[j]!, qs[i]!];
    }
    const report = Math.round(qs.length * 0.2);
    qs.forEach((text, i) => queries.push({ text, doc: d, tune: i >= report }));
  }
  return { name: long ? "bitext-faq-long" : "bitext-faq", docs, queries, split: `per intent, 20% of queries reported (seed ${SEED}), 80% tune` };
}

/** A ranked list of document indexes -> 1-based rank of the relevant one, or null. */
function rankOf(ranked: number[], relevant: number): number | null {
  const at = ranked.indexOf(relevant);
  return at < 0 ? null : at + 1;
}

export interface Scores {
  tune: RankMetrics;
  report: RankMetrics;
}

/** Scores a ranker (query -> document indexes, best first) on both halves. */
export async function scoreHalves(set: FaqSet, rank: (q: string) => number[] | Promise<number[]>): Promise<Scores> {
  const tune: (number | null)[] = [];
  const report: (number | null)[] = [];
  for (const q of set.queries) (q.tune ? tune : report).push(rankOf(await rank(q.text), q.doc));
  return { tune: rankMetrics(tune), report: rankMetrics(report) };
}

function bareMiniSearch(set: FaqSet, titleBoost?: number): (q: string) => number[] {
  const ms = new MiniSearch<{ id: number; title: string; text: string }>({ fields: ["title", "text"] });
  ms.addAll(set.docs.map((d, id) => ({ id, title: d.title, text: d.body })));
  const opts = titleBoost ? { boost: { title: titleBoost } } : undefined;
  return (q) => ms.search(q, opts).map((r) => r.id as number);
}

/** Chunk ids -> document indexes, first occurrence kept. */
export function docsOf(ids: string[], docOfChunk: (id: string) => number | undefined): number[] {
  const out: number[] = [];
  for (const id of ids) {
    const d = docOfChunk(id);
    if (d !== undefined && !out.includes(d)) out.push(d);
  }
  return out;
}

interface Row {
  name: string;
  scores: Scores;
}

let headingRerank = false;
/** --graph: GraphRAG on (GRAPH_ENABLED): a graph row, and the fused result with and without the graph channel. */
let graphOn = false;
/** --weights heading=0.25,...: fusion weights other than the shipped ones (RETRIEVAL_WEIGHTS), to sweep on the tuning halves. */
let weights: string | undefined;

async function runSet(set: FaqSet, keywordIndex: string, ablation: boolean, asJson: boolean): Promise<{ rows: Row[]; chunks: number; ingestMs: number }> {
  const rows: Row[] = [];
  rows.push({ name: "bare MiniSearch (title+text, defaults)", scores: await scoreHalves(set, bareMiniSearch(set)) });
  rows.push({ name: "bare MiniSearch, title boost 2", scores: await scoreHalves(set, bareMiniSearch(set, 2)) });

  const dir = mkdtempSync(join(tmpdir(), `bench-faq-${set.name}-`));
  // --heading-rerank: the heading channel as it runs on a large KB (above HEADING_FULL_SCAN_MAX headings), reranking
  // the other channels' candidates instead of scanning every heading.
  const config = loadConfig({ DATA_DIR: dir, SAMPLE_KB: "false", KEYWORD_INDEX: keywordIndex, ...(headingRerank ? { HEADING_FULL_SCAN_MAX: "0" } : {}), ...(weights ? { RETRIEVAL_WEIGHTS: weights } : {}), ...(graphOn ? { GRAPH_ENABLED: "true" } : {}) });
  const services = await createServices(config, { inMemoryDatabase: true, sampleKb: false, log: () => {} });
  try {
    const tenantId = config.defaultTenant;
    const t0 = performance.now();
    const enc = (s: string) => new TextEncoder().encode(s);
    const requests = asJson
      ? [{ tenantId, source: "faq.json", sourceType: "text" as const, bytes: enc(JSON.stringify(set.docs.map((d) => ({ title: d.title, text: d.body })))), filename: "faq.json" }]
      : set.docs.map((d, i) => ({ tenantId, source: `faq-${i}`, sourceType: "text" as const, bytes: enc(d.body), filename: `faq-${i}.txt`, title: d.title }));
    const results = await services.pipeline.ingestMany(requests);
    await services.stores.headings?.idle(); // the heading channel is written in the background
    await services.graph?.index.idle(); // and the graph's communities
    const ingestMs = performance.now() - t0;
    const docIndex = new Map<string, number>();
    results.forEach((r, i) => {
      if (r instanceof Error) throw r;
      docIndex.set(r.document.id, i);
    });
    // One JSON document: an entry is known by its section path (the JSON loader's heading = the item's title).
    const byHeading = new Map(set.docs.map((d, i) => [d.title.replace(/\s+/g, " ").trim(), i]));
    const entryOf = (c: { documentId: string; sectionPath: string[] }) => (asJson ? byHeading.get(c.sectionPath[0] ?? "") : docIndex.get(c.documentId));
    const chunks = await services.stores.documents.countChunks(tenantId);
    const retrieve = (channels: string[]) => async (q: string) => {
      const res = await services.retriever.retrieve({ query: q, k: 30, filter: { tenantId }, channels });
      const out: number[] = [];
      for (const p of res.passages) {
        const d = entryOf(p);
        if (d !== undefined && !out.includes(d)) out.push(d);
      }
      return out;
    };
    const names = services.retriever.channelNames;
    for (const name of names) {
      const label = name === "keyword" ? `product keyword (${keywordIndex})` : name === "vector" ? `product vector (${services.stores.embedder.current().id.split(":")[0]})` : `product ${name}`;
      rows.push({ name: label, scores: await scoreHalves(set, retrieve([name])) });
    }
    const f = config.retrieval;
    if (graphOn) {
      const rest = names.filter((n) => n !== "graph");
      rows.push({ name: `product fused without graph (${rest.join("+")})`, scores: await scoreHalves(set, retrieve(rest)) });
    }
    rows.push({ name: `product fused (${names.join("+")}, ${f.fusion}, weights ${names.map((n) => `${n}=${f.weights[n] ?? 1}`).join(" ")})`, scores: await scoreHalves(set, retrieve(names)) });

    if (ablation) {
      const { ablationRows } = await import("./lib/faq-ablation");
      const kdocs: KeywordDoc[] = [];
      const chunkDoc = new Map<string, number>();
      for await (const page of services.stores.documents.allActiveChunks()) {
        for (const c of page) {
          kdocs.push(keywordDocOf(c));
          const d = entryOf(c);
          if (d !== undefined) chunkDoc.set(c.id, d);
        }
      }
      for (const r of await ablationRows(set, kdocs, (id) => chunkDoc.get(id))) rows.push(r);
    }
    return { rows, chunks, ingestMs };
  } finally {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { sets: { type: "string", default: ALL_SETS.join(",") }, minisearch: { type: "boolean", default: false }, json: { type: "boolean", default: false }, ablation: { type: "boolean", default: false }, "heading-rerank": { type: "boolean", default: false }, weights: { type: "string" }, graph: { type: "boolean", default: false } } });
  graphOn = values.graph!;
  headingRerank = values["heading-rerank"]!;
  weights = values.weights;
  const keywordIndex = values.minisearch ? "minisearch" : "bm25";
  const builders: Record<string, () => FaqSet> = { stackfaq: () => stackfaq(), "stackfaq-faq": () => stackfaq(true), "bitext-faq": () => bitext(false), "bitext-faq-long": () => bitext(true) };
  const wanted = values.sets!.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of wanted) if (!builders[name]) throw new Error(`unknown set '${name}'; sets: ${ALL_SETS.join(", ")}`);
  const summary: (string | number)[][] = [];
  for (const name of wanted) {
    const set = builders[name]!();
    const tuneN = set.queries.filter((q) => q.tune).length;
    const { rows, chunks, ingestMs } = await runSet(set, keywordIndex, values.ablation!, values.json!);
    console.log(`\n${set.name}${values.json ? " (one faq.json)" : ""}: ${set.docs.length} documents (${chunks} chunks, ingest ${Math.round(ingestMs)} ms), ${set.queries.length} queries: ${tuneN} tune / ${set.queries.length - tuneN} reported (${set.split})\n`);
    console.log(
      table(
        ["ranker", "nDCG@10 tune", "R@1 tune", "R@5 tune", "MRR@10 tune", "nDCG@10 report", "R@1 report", "R@5 report", "MRR@10 report"],
        rows.map((r) => [r.name, r.scores.tune.ndcgAt10, r.scores.tune.recallAt1, r.scores.tune.recallAt5, r.scores.tune.mrrAt10, r.scores.report.ndcgAt10, r.scores.report.recallAt1, r.scores.report.recallAt5, r.scores.report.mrrAt10]),
      ),
    );
    const bare = Math.max(rows[0]!.scores.report.ndcgAt10, rows[1]!.scores.report.ndcgAt10);
    const fused = rows.find((r) => r.name.startsWith("product fused"))!.scores.report.ndcgAt10;
    summary.push([set.name, bare, fused, fused > bare ? "yes" : "NO"]);
  }
  console.log("\nreported halves, nDCG@10:\n");
  console.log(table(["set", "best bare MiniSearch", "product fused", "fused beats bare"], summary));
  console.log(`\ncommand: bun run bench/faq-retrieval.ts${values.sets !== ALL_SETS.join(",") ? ` --sets ${values.sets}` : ""}${values.minisearch ? " --minisearch" : ""}${values.json ? " --json" : ""}${values.ablation ? " --ablation" : ""}${headingRerank ? " --heading-rerank" : ""}${weights ? ` --weights ${weights}` : ""}${graphOn ? " --graph" : ""}`);
}
