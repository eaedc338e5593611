/**
 * GraphRAG costs, in one run:
 * 1. Ingestion slowdown: the same synthetic corpus (bench/lib/corpus.ts: real support sentences from
 *    ../shared/datasets, Markdown handbooks, one chunk per section) ingested through the product's pipeline with
 *    GRAPH_ENABLED off and on (default settings otherwise), chunks/s and the ratio.
 * 2. Extraction time per 1,000 chunks: extraction + entity resolution alone (GraphChunkIndex.extract, no store).
 * 3. Graph query latency, the embedded relational store (PGlite) and Neo4j side by side on the same graph: the
 *    graph channel's query (neighbourhood of 1-3 seed entities, 2 hops, 200 entities, 30 chunks each), seeds
 *    drawn from entities mentioned at least twice, the two stores queried alternately; at the given sizes
 *    (graphs built by extraction of synthetic chunks written to both stores; 50k chunks by default).
 *
 *   TEST_NEO4J_URL=$(bash tests/neo4j/start.sh) bun run bench/graph-store.ts [--ingest-chunks 2000] [--sizes 5000,50000] [--queries 300]
 * Without TEST_NEO4J_URL / NEO4J_URL the Neo4j column is left out.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createServices } from "../api/services";
import { loadConfig } from "../core/config";
import { createDatabase } from "../core/db/client";
import type { VersionBatch } from "../core/ports/chunk-index";
import type { GraphBatch, GraphStore } from "../core/ports/graph-store";
import { EntityResolver } from "../graph/entity-resolver";
import { GraphChunkIndex } from "../graph/graph-chunk-index";
import { Neo4jGraphStore } from "../graph/neo4j-graph-store";
import { RelationalGraphStore } from "../graph/relational-graph-store";
import { markdownDocuments, rng } from "./lib/corpus";
import { summarize, table } from "./lib/metrics";

const { values } = parseArgs({ options: { "ingest-chunks": { type: "string", default: "2000" }, sizes: { type: "string", default: "5000,50000" }, queries: { type: "string", default: "300" } } });
const NEO4J = process.env.TEST_NEO4J_URL ?? process.env.NEO4J_URL;
const SECTIONS = 10;
const enc = (s: string) => new TextEncoder().encode(s);
const ms = (n: number) => Math.round(n * 100) / 100;

// --- 1. ingestion with and without the graph -----------------------------------------------------------------
const ingestChunks = Number(values["ingest-chunks"]);
const docs = markdownDocuments(Math.ceil(ingestChunks / SECTIONS), SECTIONS, 700, 15);
const ingestRows: (string | number)[][] = [];
const ingestRate: Record<string, number> = {};
for (const graph of ["false", "true"]) {
  const dir = mkdtempSync(join(tmpdir(), "bench-graph-ingest-"));
  const config = loadConfig({ DATA_DIR: dir, SAMPLE_KB: "false", GRAPH_ENABLED: graph, LOG_LEVEL: "warn" });
  const services = await createServices(config, { inMemoryDatabase: true, sampleKb: false, log: () => {} });
  const t0 = performance.now();
  const res = await services.pipeline.ingestMany(docs.map((d, i) => ({ tenantId: config.defaultTenant, source: `h-${i}.md`, sourceType: "text" as const, bytes: enc(d.text), filename: `h-${i}.md`, title: d.title })));
  await services.stores.headings?.idle();
  await services.graph?.index.idle();
  const s = (performance.now() - t0) / 1000;
  const chunks = res.reduce((n, r) => n + (r instanceof Error ? 0 : r.chunks), 0);
  ingestRate[graph] = chunks / s;
  ingestRows.push([graph === "true" ? "graph on" : "graph off", chunks, ms(s), Math.round(chunks / s)]);
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}

// --- 2 and 3. extraction, then the same graph in both stores --------------------------------------------------
const pg = await createDatabase({});
const stores: [string, GraphStore][] = [["embedded (PGlite)", new RelationalGraphStore(pg.db)]];
let neo: Neo4jGraphStore | undefined;
if (NEO4J) {
  neo = await Neo4jGraphStore.open({ url: NEO4J, user: process.env.TEST_NEO4J_USER ?? "neo4j", password: process.env.TEST_NEO4J_PASSWORD ?? "neo4j" });
  stores.push(["Neo4j 5 community", neo]);
}
const extractRows: (string | number)[][] = [];
const latencyRows: (string | number)[][] = [];
const queries = Number(values.queries);
for (const size of values.sizes!.split(",").map(Number)) {
  const tenantId = `bench_${size}_${Date.now().toString(36)}`;
  const index = new GraphChunkIndex({ store: stores[0]![1], resolver: new EntityResolver({ store: stores[0]![1] }) });
  const corpus = markdownDocuments(Math.ceil(size / SECTIONS), SECTIONS, 700, size);
  let extractMs = 0;
  const writeMs: Record<string, number> = {};
  let chunks = 0;
  let entities = 0;
  let relations = 0;
  for (let d = 0; d < corpus.length; d++) {
    const doc = corpus[d]!;
    const sections = doc.text.split(/\n(?=## )/).slice(1);
    const batch: VersionBatch = {
      tenantId,
      documentId: `d${d}`,
      version: 1,
      title: doc.title,
      docType: "guide",
      source: `d${d}.md`,
      tags: [],
      chunks: sections.map((text, i) => ({ id: `d${d}:1:${i}`, tenantId, documentId: `d${d}`, version: 1, ordinal: i, text, page: null, pageEnd: null, sectionPath: [doc.title, text.split("\n")[0]!.replace(/^## /, "")], charStart: 0, charEnd: text.length, tokenCount: 0 })),
    };
    const t0 = performance.now();
    const g: GraphBatch = await index.extract(batch);
    extractMs += performance.now() - t0;
    chunks += batch.chunks.length;
    relations += g.relations.length;
    for (const [name, store] of stores) {
      const t1 = performance.now();
      await store.write(g);
      writeMs[name] = (writeMs[name] ?? 0) + performance.now() - t1;
    }
  }
  entities = (await stores[0]![1].entities(tenantId, { limit: 1_000_000 })).length;
  extractRows.push([size, chunks, entities, relations, ms((extractMs / chunks) * 1000), ...stores.map(([n]) => ms((writeMs[n]! / chunks) * 1000))]);
  // seeds: entities mentioned at least twice, 1-3 per query, the same list for every store
  const pool = (await stores[0]![1].entities(tenantId, { limit: 1_000_000 })).filter((e) => e.mentions >= 2).map((e) => e.id);
  const next = rng(size);
  const seedSets = Array.from({ length: queries }, () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => pool[Math.floor(next() * pool.length)]!));
  const samples: Record<string, number[]> = Object.fromEntries(stores.map(([n]) => [n, []]));
  const reached: Record<string, number> = {};
  for (const [i, seeds] of seedSets.entries()) {
    for (const [name, store] of i % 2 ? [...stores].reverse() : stores) {
      const t = performance.now();
      const hood = await store.neighbourhood(tenantId, { seeds, hops: 2, limit: 200, chunksPerEntity: 30 });
      samples[name]!.push(performance.now() - t);
      reached[name] = (reached[name] ?? 0) + hood.length;
    }
  }
  for (const [name] of stores) {
    const s = summarize(samples[name]!.sort((a, b) => a - b));
    latencyRows.push([size, name, ms(s.p50), ms(s.p99), Math.round(reached[name]! / queries)]);
  }
  await neo?.dropTenant(tenantId);
}

console.log(`\nGraphRAG costs (2 cores shared; sentence encoder ${loadConfig({}).retrieval.sentenceEncoder})\n`);
console.log(`1. Ingestion of ${ingestRows[0]![1]} synthetic chunks through the pipeline, graph off and on (same run):\n`);
console.log(table(["graph", "chunks", "seconds", "chunks/s"], ingestRows));
console.log(`\ningestion slowdown with the graph: x${(ingestRate.false! / ingestRate.true!).toFixed(2)} (chunks/s off / on)\n`);
console.log("2. Extraction (rules + resolution) and store writes per 1,000 chunks:\n");
console.log(table(["chunks asked", "chunks", "entities", "relations", "extract ms / 1k chunks", ...stores.map(([n]) => `write ms / 1k chunks: ${n}`)], extractRows));
console.log(`\n3. Graph channel query (neighbourhood of 1-3 seeds, 2 hops, <= 200 entities, <= 30 chunks each), ${queries} queries per store, alternating:\n`);
console.log(table(["chunks", "store", "p50 ms", "p99 ms", "entities reached (mean)"], latencyRows));
console.log(`\ncommand: ${NEO4J ? "TEST_NEO4J_URL=$(bash tests/neo4j/start.sh) " : ""}bun run bench/graph-store.ts --ingest-chunks ${values["ingest-chunks"]} --sizes ${values.sizes} --queries ${values.queries}`);
await neo?.close();
await pg.close();
