/**
 * POST /v1/search latency on a 50,000-chunk corpus: p50/p99 with 1 and with 32 concurrent clients, throughput,
 * and the server's RSS. The corpus is built once into bench/out/search-corpus (reused on later runs; pass
 * --rebuild to rebuild), then the API runs as its own process and this process is the load generator.
 *
 *   bun run bench/search-latency.ts [--chunks 50000] [--seconds 20] [--rebuild]
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../core/config";
import { openStores } from "../core/stores/open-stores";
import { createIngestion } from "../ingest/create-ingestion";
import { markdownDocuments } from "./lib/corpus";
import { mb, summarize, table } from "./lib/metrics";

const { values } = parseArgs({ options: { chunks: { type: "string", default: "50000" }, seconds: { type: "string", default: "20" }, rebuild: { type: "boolean", default: false }, port: { type: "string", default: "3917" } } });
const target = Number(values.chunks);
const seconds = Number(values.seconds);
const dataDir = resolve(import.meta.dir, "out/search-corpus");
const env = { DATA_DIR: dataDir, SAMPLE_KB: "false", PORT: values.port!, HOST: "127.0.0.1" };

async function build(): Promise<number> {
  rmSync(dataDir, { recursive: true, force: true });
  const config = loadConfig(env);
  const stores = await openStores(config);
  const pipeline = createIngestion(stores);
  const perDoc = 100;
  const docs = markdownDocuments(Math.ceil(target / perDoc), perDoc, 850);
  const t = performance.now();
  for (let i = 0; i < docs.length; i += 50) {
    const batch = docs.slice(i, i + 50).map((d, j) => ({ tenantId: config.defaultTenant, source: `handbook-${i + j}`, sourceType: "text" as const, bytes: new TextEncoder().encode(d.text), filename: `handbook-${i + j}.md`, title: d.title }));
    const res = await pipeline.ingestMany(batch);
    const bad = res.find((r) => r instanceof Error);
    if (bad) throw bad;
    process.stderr.write(`\rbuilt ${Math.min(i + 50, docs.length)}/${docs.length} documents`);
  }
  const chunks = await stores.documents.countChunks(config.defaultTenant);
  console.error(`\ncorpus: ${chunks} chunks in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await stores.close();
  return chunks;
}

if (values.rebuild || !existsSync(`${dataDir}/pg`)) await build();

const server = spawn(process.execPath, ["run", resolve(import.meta.dir, "../api/server.ts")], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
const base = `http://127.0.0.1:${values.port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/v1/health`)).ok) break;
  } catch {
    /* not up yet */
  }
  if (i > 600) throw new Error("server did not start");
  await Bun.sleep(100);
}
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
const health = (await (await fetch(`${base}/v1/health`)).json()) as { components: { vectors: { rows: number } } };
const queries = [
  "how do I cancel my order", "I want a refund for a damaged item", "where is my package", "change the shipping address",
  "how to reset my account password", "which payment methods are accepted", "track my delivery status", "get an invoice for my purchase",
  "the device does not turn on", "is my warranty still valid", "delete my account", "update billing information",
];

async function client(deadline: number, lat: number[], errors: { n: number }) {
  let i = Math.floor(Math.random() * queries.length);
  while (performance.now() < deadline) {
    const t = performance.now();
    const res = await fetch(`${base}/v1/search`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: queries[i++ % queries.length], k: 8 }) });
    await res.arrayBuffer();
    if (res.ok) lat.push(performance.now() - t);
    else errors.n++;
  }
}

const rows: (string | number)[][] = [];
const rssIdle = rss();
// Warm-up.
await client(performance.now() + 2000, [], { n: 0 });
let rssPeak = 0;
for (const concurrency of [1, 32]) {
  const lat: number[] = [];
  const errors = { n: 0 };
  const deadline = performance.now() + seconds * 1000;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss())), 200);
  await Promise.all(Array.from({ length: concurrency }, () => client(deadline, lat, errors)));
  clearInterval(sampler);
  const s = summarize(lat);
  rows.push([concurrency, lat.length, (lat.length / seconds).toFixed(1), s.p50.toFixed(1), s.p90.toFixed(1), s.p99.toFixed(1), errors.n]);
}
server.kill("SIGTERM");
console.log(`\nPOST /v1/search on ${health.components.vectors.rows} chunks (hybrid: LanceDB vector + ${process.env.KEYWORD_INDEX ?? "bm25"} keyword index, weighted fusion, k=8), ${seconds} s per row\n`);
console.log(table(["concurrent clients", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors"], rows));
console.log(`\nserver RSS: ${mb(rssIdle)} MB idle after start, ${mb(rssPeak)} MB peak under load`);
console.log(`command: bun run bench/search-latency.ts --chunks ${target} --seconds ${seconds}`);
process.exit(0);
