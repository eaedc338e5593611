/**
 * Benchmarks the embedded local embedder: GloVe binary build, load time and memory, embedding throughput.
 *
 *   npx bun bench/embedder.ts            # uses (or builds once) the binary in EMBEDDINGS_CACHE_DIR
 *   npx bun bench/embedder.ts --rebuild  # also times a fresh conversion into a temporary directory
 *
 * Prints a markdown table and the command used.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../core/config";
import { ensureGloveBinary, gloveBinaryPath, isGloveBinaryValid, loadGlove } from "../core/embeddings/glove-store";
import { LocalEmbedder } from "../core/embeddings/local-embedder";

const rebuild = process.argv.includes("--rebuild");
const cacheDir = loadConfig().embeddings.cacheDir;
const rows: [string, string][] = [];
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const ms = (t: number) => `${t.toFixed(t < 10 ? 2 : 0)} ms`;

// Deterministic pseudo-random numbers (mulberry32).
let seed = 42;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;

// 1. Build (only when missing, or into a temporary directory with --rebuild).
if (rebuild) {
  const dir = mkdtempSync(join(tmpdir(), "glove-bench-"));
  const t = performance.now();
  await ensureGloveBinary(dir, { log: () => {} });
  rows.push(["binary build (fresh conversion, child process)", ms(performance.now() - t)]);
  rmSync(dir, { recursive: true, force: true });
}
const existed = isGloveBinaryValid(gloveBinaryPath(cacheDir));
let t0 = performance.now();
const path = await ensureGloveBinary(cacheDir);
rows.push([existed ? "binary check (already cached)" : "binary build (first run)", ms(performance.now() - t0)]);
rows.push(["binary size on disk", mb(statSync(path).size)]);

// 2. Load: time and resident memory.
Bun.gc(true);
const rssBefore = process.memoryUsage().rss;
t0 = performance.now();
const store = loadGlove(path);
const loadMs = performance.now() - t0;
const rssAfter = process.memoryUsage().rss;
rows.push(["load (read + verify checksum)", ms(loadMs)]);
rows.push(["RSS before load", mb(rssBefore)]);
rows.push(["RSS after load", mb(rssAfter)]);
rows.push(["RSS delta for the word vectors", mb(rssAfter - rssBefore)]);

// 3. Throughput.
const products = ["blender", "kettle", "vacuum", "headphones", "charger", "battery", "toaster", "router", "camera", "speaker"];
const templates = [
  (p: string) => `how do I return my ${p}`,
  (p: string) => `where is my order ORD-${2020 + Math.floor(rand() * 5)}-${Math.floor(rand() * 9999)}`,
  (p: string) => `is SKU-${Math.floor(rand() * 9000) + 1000} ${p} in stock`,
  (p: string) => `my ${p} stopped working after ${Math.floor(rand() * 30)} days, can I get a refund?`,
  (p: string) => `does the ${p} ship to Canada`,
  (p: string) => `warranty for VB-${Math.floor(rand() * 99)}X ${p}`,
];
const queries = Array.from({ length: 5000 }, () => pick(templates)(pick(products)));
const vocab = Array.from({ length: 30_000 }, (_, i) => store.wordAt(i)).filter((w) => /^[a-z]+$/.test(w));
const chunks = Array.from({ length: 400 }, () =>
  Array.from({ length: 200 }, () => (rand() < 0.02 ? `SKU-${Math.floor(rand() * 9000) + 1000}` : vocab[Math.floor(vocab.length * rand() ** 2)]!)).join(" "),
);

async function throughput(e: LocalEmbedder, texts: string[], batch: number): Promise<number> {
  await e.embed(texts.slice(0, batch)); // warm the token cache a little
  const t = performance.now();
  for (let i = 0; i < texts.length; i += batch) await e.embed(texts.slice(i, i + batch));
  return texts.length / ((performance.now() - t) / 1000);
}

const prior = new LocalEmbedder(store);
rows.push([`embed short queries, prior only (${queries.length}, batch 1)`, `${Math.round(await throughput(prior, queries, 1))} texts/s`]);
rows.push([`embed short queries, prior only (${queries.length}, batch 64)`, `${Math.round(await throughput(prior, queries, 64))} texts/s`]);
rows.push([`embed ~200-word chunks, prior only (${chunks.length}, batch 64)`, `${Math.round(await throughput(prior, chunks, 64))} texts/s`]);
const fitted = new LocalEmbedder(store);
t0 = performance.now();
await fitted.fit(chunks);
rows.push([`fit on ${chunks.length} chunks (frequencies + principal component)`, ms(performance.now() - t0)]);
rows.push([`embed short queries, fitted (${queries.length}, batch 64)`, `${Math.round(await throughput(fitted, queries, 64))} texts/s`]);
rows.push([`embed ~200-word chunks, fitted (${chunks.length}, batch 64)`, `${Math.round(await throughput(fitted, chunks, 64))} texts/s`]);
rows.push(["embedder id / dimension", `${fitted.id} / ${fitted.dimension}`]);
rows.push(["RSS at the end", mb(process.memoryUsage().rss)]);

console.log(`## Local embedder (${new Date().toISOString().slice(0, 10)}, bun ${Bun.version}, ${navigator.hardwareConcurrency} cores)\n`);
console.log("| measure | value |\n|---|---|");
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
console.log(`\nCommand: \`npx bun bench/embedder.ts${rebuild ? " --rebuild" : ""}\``);
