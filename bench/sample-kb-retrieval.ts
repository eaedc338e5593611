/**
 * Retrieval on the sample knowledge base with the project's question set (bench/data/sample-kb-questions.json):
 * for each answerable question, the rank of the first passage from its expected file. Every channel alone, fused
 * with the shipped weights, and fused with the heading channel's weight varied (the weight is chosen on the
 * even-indexed questions; the odd-indexed ones are held out).
 *
 *   bun run bench/sample-kb-retrieval.ts
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../core/config";
import { createServices } from "../api/services";
import { rankMetrics, table, type RankMetrics } from "./lib/metrics";

interface Q { question: string; expectedSource: string | null; answerable: boolean; history?: string[] }
const questions = (JSON.parse(readFileSync(resolve(import.meta.dir, "data/sample-kb-questions.json"), "utf8")) as Q[])
  .map((q, i) => ({ ...q, i }))
  .filter((q) => q.answerable && q.expectedSource && !q.history?.length);
const dir = mkdtempSync(join(tmpdir(), "bench-kb-retrieval-"));
const services = await createServices(loadConfig({ DATA_DIR: dir }), { inMemoryDatabase: true, sampleKb: true, log: () => {} });
await services.stores.headingsReady;
const tenantId = services.config.defaultTenant;
const docs = await services.stores.documents.list({ tenantId, limit: 100, offset: 0 });
const fileOf = new Map(docs.items.map((d) => [d.id, d.source.replace(/^sample-kb\//, "")]));

async function ranks(qs: typeof questions, channels?: string[], weights?: Record<string, number>): Promise<(number | null)[]> {
  const out: (number | null)[] = [];
  for (const q of qs) {
    const r = await services.retriever.retrieve({ query: q.question, k: 10, filter: { tenantId }, channels, fusion: weights ? { weights: { ...services.config.retrieval.weights, ...weights } } : undefined });
    const at = r.passages.findIndex((p) => fileOf.get(p.documentId) === q.expectedSource);
    out.push(at < 0 ? null : at + 1);
  }
  return out;
}
const even = questions.filter((q) => q.i % 2 === 0);
const odd = questions.filter((q) => q.i % 2 === 1);
const row = (name: string, a: RankMetrics, b: RankMetrics) => [name, a.recallAt1, a.mrrAt10, b.recallAt1, b.mrrAt10];
const rows: (string | number)[][] = [];
for (const ch of services.retriever.channelNames) rows.push(row(`${ch} alone`, rankMetrics(await ranks(even, [ch])), rankMetrics(await ranks(odd, [ch]))));
rows.push(row("fused (shipped weights)", rankMetrics(await ranks(even)), rankMetrics(await ranks(odd))));
if (services.retriever.channelNames.includes("heading")) {
  for (const w of [0, 0.25, 0.5, 0.75, 1, 1.5]) rows.push(row(`fused, heading weight ${w}`, rankMetrics(await ranks(even, undefined, { heading: w })), rankMetrics(await ranks(odd, undefined, { heading: w }))));
}
console.log(`\nSample-KB retrieval: ${even.length} tuning (even) + ${odd.length} held-out (odd) answerable questions; relevant = a passage of the expected file\n`);
console.log(table(["channels", "R@1 even", "MRR@10 even", "R@1 odd", "MRR@10 odd"], rows));
console.log(`\nweights shipped: ${JSON.stringify(services.config.retrieval.weights)}, fusion ${services.config.retrieval.fusion}`);
console.log("command: bun run bench/sample-kb-retrieval.ts");
await services.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
