/**
 * Retrieval quality on ../shared/datasets/stackfaq: corpus = the 125 FAQ threads (question + answers), queries =
 * the user rephrasings, a query is relevant to its thread. Recall@1, Recall@5, MRR@10, nDCG@10 for the keyword
 * (BM25) channel, the vector channel and the fused result, through the product's real ingestion and retrieval.
 * Fusion weights/k are tuned on the queries of even-indexed threads (split rule of the dataset); every row is
 * reported on the queries of odd-indexed threads (not used for tuning) beside all queries.
 *
 *   bun run bench/retrieval-quality.ts [--minisearch] [--embeddings-url http://127.0.0.1:18102/v1 [--embeddings-model all-minilm-l6-v2]]
 *
 * --embeddings-url puts the vector channel on an OpenAI-compatible embeddings server (EMBEDDINGS_BASE_URL), e.g.
 * the real all-MiniLM-L6-v2 server .ci/peers/embeddings-server.sh starts, instead of the local GloVe/SIF embedder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../core/config";
import { createServices } from "../api/services";
import type { FusionOptions } from "../api/pipeline/fusion";
import { rankMetrics, table, type RankMetrics } from "./lib/metrics";
import { answersOf, loadStackFaq } from "./lib/stackfaq";

const { pairs, queries } = loadStackFaq();

const dir = mkdtempSync(join(tmpdir(), "bench-stackfaq-"));
const keywordIndex = process.argv.includes("--minisearch") ? "minisearch" : "bm25";
const graphOn = process.argv.includes("--graph");
const argOf = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const embeddingsUrl = argOf("embeddings-url");
const config = loadConfig({
  DATA_DIR: dir,
  SAMPLE_KB: "false",
  KEYWORD_INDEX: keywordIndex,
  ...(graphOn ? { GRAPH_ENABLED: "true" } : {}),
  ...(embeddingsUrl ? { EMBEDDINGS_BASE_URL: embeddingsUrl, EMBEDDINGS_MODEL: argOf("embeddings-model") ?? "all-minilm-l6-v2" } : {}),
});
const services = await createServices(config, { inMemoryDatabase: true, sampleKb: false, log: () => {} });
const tenantId = config.defaultTenant;
const t0 = performance.now();
const results = await services.pipeline.ingestMany(
  pairs.map((p, i) => {
    const answers = answersOf(p);
    const text = `${p.question}\n\n${answers.join("\n\n")}`;
    return { tenantId, source: `thread-${i}`, sourceType: "text" as const, bytes: new TextEncoder().encode(text), filename: `thread-${i}.txt`, title: p.question };
  }),
);
await services.stores.headings?.idle(); // the heading channel is written in the background
await services.graph?.index.idle();
const docToThread = new Map<string, number>();
results.forEach((r, i) => {
  if (r instanceof Error) throw r;
  docToThread.set(r.document.id, i);
});
const ingestMs = performance.now() - t0;
const chunks = await services.stores.documents.countChunks(tenantId);

async function evaluate(qs: typeof queries, channels: string[], fusion?: Partial<FusionOptions>): Promise<RankMetrics> {
  const ranks: (number | null)[] = [];
  for (const q of qs) {
    const res = await services.retriever.retrieve({ query: q.text, k: 30, filter: { tenantId }, channels, fusion });
    const docs: number[] = [];
    for (const p of res.passages) {
      const th = docToThread.get(p.documentId)!;
      if (!docs.includes(th)) docs.push(th);
    }
    const at = docs.indexOf(q.thread);
    ranks.push(at < 0 ? null : at + 1);
  }
  return rankMetrics(ranks);
}

// Tune on even-indexed threads' queries.
const tuneSet = queries.filter((q) => q.thread % 2 === 0);
let best: { fusion: Partial<FusionOptions>; ndcg: number; label: string } = { fusion: {}, ndcg: -1, label: "" };
for (const method of ["rrf", "weighted"] as const) {
  for (const rrfK of method === "rrf" ? [10, 30, 60] : [60]) {
    for (const vw of [0.3, 0.5, 0.7, 1, 1.5]) {
      const fusion = { method, rrfK, weights: { vector: vw, keyword: 1 } };
      const m = await evaluate(tuneSet, ["vector", "keyword"], fusion);
      if (process.env.VERBOSE) console.log(method, rrfK, vw, m.ndcgAt10.toFixed(4));
      if (m.ndcgAt10 > best.ndcg) best = { fusion, ndcg: m.ndcgAt10, label: `${method}${method === "rrf" ? ` k=${rrfK}` : ""}, vector weight ${vw}` };
    }
  }
}

const heldOut = queries.filter((q) => q.thread % 2 === 1);
const rows: (string | number)[][] = [];
const add = (name: string, odd: RankMetrics, all: RankMetrics) => rows.push([name, odd.recallAt1, odd.recallAt5, odd.mrrAt10, odd.ndcgAt10, all.ndcgAt10]);
const both = async (channels: string[], fusion?: Partial<FusionOptions>) => [await evaluate(heldOut, channels, fusion), await evaluate(queries, channels, fusion)] as const;
const bm25 = await both(["keyword"]);
const vector = await both(["vector"]);
const fusedDefault = await both(["vector", "keyword"]);
add(`keyword (${keywordIndex === "bm25" ? "BM25 index" : "MiniSearch"})`, ...bm25);
add(`vector (${services.stores.embedder.current().id})`, ...vector);
add(`fused: product default (${config.retrieval.fusion}, vector weight ${config.retrieval.weights.vector})`, ...fusedDefault);
add(`fused: RRF k=60, equal weights`, ...(await both(["vector", "keyword"], { method: "rrf", rrfK: 60, weights: { vector: 1, keyword: 1 } })));
add(`fused: tuned on even threads (${best.label})`, ...(await both(["vector", "keyword"], best.fusion)));
if (graphOn) {
  add(`graph alone`, ...(await both(["graph"])));
  add(`fused + graph (product default weights, graph=${config.retrieval.weights.graph})`, ...(await both(["vector", "keyword", "graph"])));
}

console.log(`\nStackFAQ retrieval: ${pairs.length} threads (${chunks} chunks), ${queries.length} queries (${heldOut.length} of odd threads, not used for tuning); ingest ${Math.round(ingestMs)} ms\n`);
console.log(table(["channel", "Recall@1 (odd)", "Recall@5 (odd)", "MRR@10 (odd)", "nDCG@10 (odd)", "nDCG@10 (all)"], rows));
const bestSingle = Math.max(bm25[0].ndcgAt10, vector[0].ndcgAt10);
console.log(`\nfused (default) beats the best single channel on nDCG@10 of the odd threads: ${fusedDefault[0].ndcgAt10 > bestSingle ? "yes" : "NO"} (${fusedDefault[0].ndcgAt10.toFixed(3)} vs ${bestSingle.toFixed(3)})`);
console.log(`command: bun run ${process.argv.slice(1).map((a) => a.replace(/^.*\/bench\//, "bench/")).join(" ")}`);
await services.close();
rmSync(dir, { recursive: true, force: true });
