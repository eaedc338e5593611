/**
 * POST /v1/search latency on corpora of 5k, 50k and 200k chunks: p50/p99 with 1 and with 32 concurrent clients,
 * throughput, and the server's RSS, with the sentence encoder off (the code before issue 10: vector + keyword) and
 * on (+ the heading channel) against the same corpus in the same run. Each corpus is built once into
 * bench/out/search-corpus-<chunks> (reused later; --rebuild rebuilds), then the API runs as its own process and
 * this process is the load generator.
 *
 *   bun run bench/search-latency.ts [--chunks 5000,50000,200000] [--encoder off,use] [--seconds 20] [--rebuild]
 */
import { BENCH_ADMIN_ENV, loginHeaders } from "./lib/bench-auth";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../core/config";
import { openStores } from "../core/stores/open-stores";
import { createIngestion } from "../ingest/create-ingestion";
import { markdownDocuments } from "./lib/corpus";
import { mb, summarize, table } from "./lib/metrics";

const { values } = parseArgs({
  options: {
    chunks: { type: "string", default: "5000,50000,200000" },
    seconds: { type: "string", default: "20" },
    rebuild: { type: "boolean", default: false },
    port: { type: "string", default: "3917" },
    encoder: { type: "string", default: "off,use" },
  },
});
const sizes = values.chunks!.split(",").map(Number);
const encoders = values.encoder!.split(",");
const seconds = Number(values.seconds);
let target = 0;
let dataDir = "";
let env: Record<string, string> = {};
async function build(): Promise<number> {
  rmSync(dataDir, { recursive: true, force: true });
  const config = loadConfig({ ...env, SENTENCE_ENCODER: "off" }); // the heading index is in memory: built by each server
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

const queries = [
  "how do I cancel my order", "I want a refund for a damaged item", "where is my package", "change the shipping address",
  "how to reset my account password", "which payment methods are accepted", "track my delivery status", "get an invoice for my purchase",
  "the device does not turn on", "is my warranty still valid", "delete my account", "update billing information",
];
const rows: (string | number)[][] = [];

for (const size of sizes) {
  target = size;
  dataDir = resolve(import.meta.dir, `out/search-corpus-${size}`);
  env = { DATA_DIR: dataDir, SAMPLE_KB: "false", PORT: values.port!, HOST: "127.0.0.1", ...BENCH_ADMIN_ENV };
  if (values.rebuild || !existsSync(`${dataDir}/pg`)) await build();
  for (const encoder of encoders) rows.push(...(await measure(encoder)));
}

async function measure(encoder: string): Promise<(string | number)[][]> {
  const server = spawn(process.execPath, ["run", resolve(import.meta.dir, "../api/server.ts")], { env: { ...process.env, ...env, SENTENCE_ENCODER: encoder }, stdio: ["ignore", "pipe", "inherit"] });
  const base = `http://127.0.0.1:${values.port}`;
  type Health = { components: { vectors: { rows: number }; encoder?: { ready?: boolean; headings?: number } } };
  let health: Health | undefined;
  const t0 = performance.now();
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${base}/v1/health`);
      if (res.ok) {
        health = (await res.json()) as Health;
        // The heading index is rebuilt in the background at start: measure once it holds the corpus.
        if (encoder === "off" || health.components.encoder?.ready) break;
      }
    } catch {
      /* not up yet */
    }
    if (i > 36_000) throw new Error("server did not start");
    await Bun.sleep(100);
  }
  const readyS = (performance.now() - t0) / 1000;
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
  const base2 = base;
  const authz = await loginHeaders(base);
  async function client(deadline: number, lat: number[], errors: { n: number }) {
    let i = Math.floor(Math.random() * queries.length);
    while (performance.now() < deadline) {
      const t = performance.now();
      const res = await fetch(`${base2}/v1/search`, { method: "POST", headers: { "content-type": "application/json", ...authz }, body: JSON.stringify({ query: queries[i++ % queries.length], k: 8 }) });
      await res.arrayBuffer();
      if (res.ok) lat.push(performance.now() - t);
      else errors.n++;
    }
  }
  const rssIdle = rss();
  await client(performance.now() + 2000, [], { n: 0 }); // warm-up
  let rssPeak = 0;
  const out: (string | number)[][] = [];
  for (const concurrency of [1, 32]) {
    const lat: number[] = [];
    const errors = { n: 0 };
    const deadline = performance.now() + seconds * 1000;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss())), 200);
    await Promise.all(Array.from({ length: concurrency }, () => client(deadline, lat, errors)));
    clearInterval(sampler);
    const s = summarize(lat);
    out.push([health!.components.vectors.rows, encoder === "use" ? `on (${health!.components.encoder?.headings} headings)` : "off (before issue 10)", concurrency, lat.length, (lat.length / seconds).toFixed(1), s.p50.toFixed(1), s.p90.toFixed(1), s.p99.toFixed(1), errors.n, readyS.toFixed(1), mb(rssIdle), mb(rssPeak)]);
  }
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  return out;
}

console.log(`\nPOST /v1/search (hybrid: vector + ${process.env.KEYWORD_INDEX ?? "bm25"} keyword [+ heading on the sentence encoder], weighted fusion, k=8), ${seconds} s per row; the query mix repeats 12 questions (the encoder's LRU serves repeats)\n`);
console.log(table(["chunks", "sentence encoder", "concurrent clients", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors", "ready after start s", "RSS idle MB", "RSS peak MB"], rows));
console.log(`command: bun run bench/search-latency.ts --chunks ${values.chunks} --encoder ${values.encoder} --seconds ${seconds}`);
process.exit(0);
