/**
 * GraphRAG retrieval quality on the multi-hop question set (bench/data/multi-hop-questions.json: 56 questions
 * over the sample knowledge base, each needing two documents, e.g. a product row and the policy that applies to
 * its category). Document-level Recall@5 (share of the expected documents among the documents of the top 5
 * passages) and nDCG@10 (binary gain, each document at its first passage), with and without the graph channel,
 * per half: "tune" (even indices; any setting is chosen there) and "report" (odd indices; figures to quote).
 * Also the sample-KB question set (bench/data/sample-kb-questions.json, answerable, non-personal) as a check
 * that single-document questions do not get worse.
 *
 *   bun run bench/graph-retrieval.ts [--weights graph=0.5] [--hops 2]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createServices } from "../api/services";
import { loadConfig } from "../core/config";
import { table } from "./lib/metrics";

const { values } = parseArgs({ options: { weights: { type: "string" }, hops: { type: "string" } } });
interface Q {
  question: string;
  expectedSources: string[];
  half: "tune" | "report";
}
const multi: Q[] = JSON.parse(readFileSync(resolve(import.meta.dir, "data/multi-hop-questions.json"), "utf8"));
const single: Q[] = (JSON.parse(readFileSync(resolve(import.meta.dir, "data/sample-kb-questions.json"), "utf8")) as { question: string; expectedSource: string | null; answerable: boolean; personal?: boolean; history?: unknown }[])
  .map((q, i) => ({ q, i }))
  .filter(({ q }) => q.answerable && q.expectedSource && !q.personal && !q.history)
  .map(({ q, i }) => ({ question: q.question, expectedSources: [q.expectedSource!], half: i % 2 === 0 ? "tune" : "report" }));

const dir = mkdtempSync(join(tmpdir(), "bench-graph-"));
const config = loadConfig({
  DATA_DIR: dir,
  GRAPH_ENABLED: "true",
  LOG_LEVEL: "warn",
  ...(values.weights ? { RETRIEVAL_WEIGHTS: values.weights } : {}),
  ...(values.hops ? { GRAPH_HOPS: values.hops } : {}),
});
const t0 = performance.now();
const services = await createServices(config, { inMemoryDatabase: true, sampleKb: true, log: () => {} });
await services.graph!.index.idle();
const startMs = performance.now() - t0;
const tenantId = config.defaultTenant;
const all = services.retriever.channelNames;
const without = all.filter((c) => c !== "graph");

async function score(qs: Q[], channels: string[]): Promise<{ recall5: number; ndcg10: number; both5: number }> {
  let recall = 0;
  let ndcg = 0;
  let both = 0;
  for (const q of qs) {
    const res = await services.retriever.retrieve({ query: q.question, k: 10, filter: { tenantId }, channels });
    const docs: string[] = [];
    for (const p of res.passages) {
      const d = basename(p.source);
      if (!docs.includes(d)) docs.push(d);
    }
    const top5 = new Set(res.passages.slice(0, 5).map((p) => basename(p.source)));
    const hits = q.expectedSources.filter((s) => top5.has(s)).length;
    recall += hits / q.expectedSources.length;
    if (hits === q.expectedSources.length) both++;
    let dcg = 0;
    docs.forEach((d, i) => {
      if (q.expectedSources.includes(d)) dcg += 1 / Math.log2(i + 2);
    });
    let idcg = 0;
    for (let i = 0; i < q.expectedSources.length; i++) idcg += 1 / Math.log2(i + 2);
    ndcg += dcg / idcg;
  }
  return { recall5: recall / qs.length, ndcg10: ndcg / qs.length, both5: both / qs.length };
}

const rows: (string | number)[][] = [];
const f3 = (n: number) => n.toFixed(3);
for (const [setName, set] of [["multi-hop", multi], ["sample-KB single-document", single]] as const) {
  for (const half of ["tune", "report"] as const) {
    const qs = set.filter((q) => q.half === half);
    for (const [label, channels] of [[`fused without graph (${without.join("+")})`, without], [`fused with graph (${all.join("+")})`, all], ["graph alone", ["graph"]]] as const) {
      const m = await score(qs, [...channels]);
      rows.push([setName, `${half} (${qs.length})`, label, f3(m.recall5), f3(m.both5), f3(m.ndcg10)]);
    }
  }
}
const w = config.retrieval.weights;
console.log(`\nGraphRAG retrieval on the sample KB (${(await services.graph!.store.entities(tenantId, { limit: 100_000 })).length} entities, ${(await services.graph!.communities.list(tenantId)).length} communities; start + sample-KB ingest ${Math.round(startMs)} ms)`);
console.log(`fusion ${config.retrieval.fusion}, weights ${all.map((c) => `${c}=${w[c] ?? 1}`).join(" ")}, hops ${config.graph.hops}; multi-hop: tune = even questions, report = odd\n`);
console.log(table(["set", "half", "channels", "Recall@5", "both docs in top 5", "nDCG@10"], rows));
console.log(`\ncommand: bun run bench/graph-retrieval.ts${values.weights ? ` --weights ${values.weights}` : ""}${values.hops ? ` --hops ${values.hops}` : ""}`);
await services.close();
rmSync(dir, { recursive: true, force: true });
