/**
 * The neural sentence encoder (USE lite, in its worker) beside the embedded GloVe/SIF embedder, in one run:
 * load time, RSS growth, query embedding latency one at a time (p50/p99, cache off so every query reaches the
 * model), throughput of short sentences in batches and alone, 100-word passages, the API thread's event-loop lag
 * while the encoder works, and cosines of paraphrase and unrelated pairs.
 *
 *   bun run bench/encoder.ts [--queries 300]
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../core/config";
import { createEmbedder } from "../core/embeddings/create-embedder";
import { SentenceEncoder } from "../core/embeddings/sentence-encoder";
import type { Embedder } from "../core/ports/embedder";
import { mb, summarize, table } from "./lib/metrics";

const { values } = parseArgs({ options: { queries: { type: "string", default: "300" } } });
const nQueries = Number(values.queries);

const SUBJECTS = ["my laptop", "the headphones", "order VM-100234", "a refund", "the warranty", "shipping to Canada", "my password", "the TV", "a gift card", "the battery"];
const FRAMES = ["how do I return", "when will I get", "can I cancel", "what is the status of", "is there a fee for", "how long does it take to get", "who do I contact about", "why is nothing happening with"];
const queries = Array.from({ length: nQueries }, (_, i) => `${FRAMES[i % FRAMES.length]} ${SUBJECTS[Math.floor(i / FRAMES.length) % SUBJECTS.length]} (${i})`);
const passage = (i: number) =>
  Array.from({ length: 100 }, (_, k) => ["the", "battery", "warranty", "covers", "defects", "returns", "within", "days", "of", "delivery", "customers", "may", "request"][(i * 7 + k * 3) % 13]).join(" ");

const PAIRS: [string, string, "paraphrase" | "unrelated"][] = [
  ["return my laptop", "how do I send back my notebook", "paraphrase"],
  ["where is my order", "my package has not arrived yet", "paraphrase"],
  ["I want my money back", "how do I get a refund", "paraphrase"],
  ["the laptop won't turn on", "my notebook is dead, nothing happens when I press power", "paraphrase"],
  ["do you ship to Canada", "can you deliver to Toronto", "paraphrase"],
  ["return my laptop", "do you ship to Canada", "unrelated"],
  ["where is my order", "what are your support hours", "unrelated"],
  ["I want my money back", "how do I reset my password", "unrelated"],
  ["the laptop won't turn on", "do you offer a student discount", "unrelated"],
  ["can I pay in installments", "is the battery covered by the warranty", "unrelated"],
];

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const rows: (string | number)[][] = [];

async function eventLoopLag<T>(work: () => Promise<T>): Promise<{ result: T; p99: number; max: number }> {
  const lags: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lags.push(Math.max(0, now - last - 5));
    last = now;
  }, 5);
  const result = await work();
  clearInterval(timer);
  const s = summarize(lags.length ? lags : [0]);
  return { result, p99: s.p99, max: s.max };
}

async function measure(name: string, make: () => Promise<Embedder & { warm?: () => Promise<unknown> }>) {
  Bun.gc(true);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const e = await make();
  await e.embed(["load the model"]);
  const loadMs = performance.now() - t0;
  const lat: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    await e.embed([q]);
    lat.push(performance.now() - t);
  }
  const one = summarize(lat);
  const batchTexts = queries.map((q) => `${q} please`);
  let t = performance.now();
  for (let i = 0; i < batchTexts.length; i += 32) await e.embed(batchTexts.slice(i, i + 32));
  const batchRate = batchTexts.length / ((performance.now() - t) / 1000);
  const passages = Array.from({ length: 40 }, (_, i) => passage(i));
  t = performance.now();
  for (let i = 0; i < passages.length; i += 8) await e.embed(passages.slice(i, i + 8));
  const passageRate = passages.length / ((performance.now() - t) / 1000);
  const lag = await eventLoopLag(() => e.embed(queries.map((q) => `${q} again`)));
  const vs = await e.embed(PAIRS.flatMap(([a, b]) => [a, b]));
  const sims = PAIRS.map((p, i) => ({ kind: p[2], cos: dot(vs[2 * i]!, vs[2 * i + 1]!) }));
  const para = sims.filter((s) => s.kind === "paraphrase").map((s) => s.cos);
  const unrel = sims.filter((s) => s.kind === "unrelated").map((s) => s.cos);
  const rss = process.memoryUsage().rss - rss0;
  rows.push([name, loadMs.toFixed(0), one.p50.toFixed(2), one.p99.toFixed(2), (1000 / one.mean).toFixed(0), batchRate.toFixed(0), passageRate.toFixed(1), lag.p99.toFixed(1), lag.max.toFixed(1), Math.min(...para).toFixed(2), Math.max(...unrel).toFixed(2), mb(rss)]);
  (e as { close?: () => void }).close?.();
}

await measure("GloVe/SIF (unfitted, on the API thread)", () => createEmbedder(loadConfig()));
await measure("USE lite (worker)", async () => new SentenceEncoder({ cacheSize: 0 }));
console.log(`\nSentence encoders: ${nQueries} distinct short queries, batches of 32, 40 passages of 100 words in batches of 8\n`);
console.log(
  table(
    ["embedder", "load ms", "query p50 ms", "query p99 ms", "queries/s alone", "sentences/s batch 32", "passages/s (100 words)", "loop lag p99 ms", "loop lag max ms", "min paraphrase cos", "max unrelated cos", "RSS growth MB (this process)"],
    rows,
  ),
);
console.log("\nThe encoder's worker runs in this process, so its memory is in the RSS growth.");
console.log(`command: bun run bench/encoder.ts --queries ${nQueries}`);
process.exit(0);
