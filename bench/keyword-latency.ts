/**
 * The keyword index alone, in process, on the corpus of bench/search-latency.ts (bench/out/search-corpus, ~50,000
 * chunks; run that bench once first to build it): index rebuild time, then search latency at k=40 (what the
 * retriever asks for k=8) for search-latency's 12 queries and for 6 misspelled ones (the typo fallback's path).
 * The end-to-end figures of search-latency include the vector search and HTTP; this isolates the BM25 part.
 *
 *   bun run bench/keyword-latency.ts [--data-dir bench/out/search-corpus] [--rounds 200]
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../core/config";
import { openStores } from "../core/stores/open-stores";
import { summarize, table } from "./lib/metrics";

const { values } = parseArgs({ options: { "data-dir": { type: "string", default: resolve(import.meta.dir, "out/search-corpus") }, rounds: { type: "string", default: "200" } } });
const rounds = Number(values.rounds);
const config = loadConfig({ DATA_DIR: resolve(values["data-dir"]!), SAMPLE_KB: "false" });
const t0 = performance.now();
const stores = await openStores(config);
const rebuildMs = performance.now() - t0;
const tenantId = config.defaultTenant;
const chunks = await stores.keywords.count(tenantId);

const clean = [
  "how do I cancel my order", "I want a refund for a damaged item", "where is my package", "change the shipping address",
  "how to reset my account password", "which payment methods are accepted", "track my delivery status", "get an invoice for my purchase",
  "the device does not turn on", "is my warranty still valid", "delete my account", "update billing information",
];
const typos = ["how do I cancle my ordr", "refnud for a damagd item", "wher is my pakcage", "chnage the shiping adress", "reset my acount pasword", "is my waranty still vaild"];

const rows: (string | number)[][] = [];
for (const [name, qs] of [["12 queries of search-latency", clean], ["6 misspelled queries", typos]] as const) {
  for (const q of qs) await stores.keywords.search(q, 40, { tenantId }); // warm-up
  const lat: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of qs) {
      const t = performance.now();
      await stores.keywords.search(q, 40, { tenantId });
      lat.push(performance.now() - t);
    }
  }
  const s = summarize(lat);
  rows.push([name, lat.length, s.mean.toFixed(3), s.p50.toFixed(3), s.p90.toFixed(3), s.p99.toFixed(3)]);
}
console.log(`\nkeyword index (${config.retrieval.keywordIndex}) on ${chunks} chunks: rebuilt from the chunk table in ${Math.round(rebuildMs)} ms (store open included)\n`);
console.log(table(["queries", "searches", "mean ms", "p50 ms", "p90 ms", "p99 ms"], rows));
console.log(`\ncommand: bun run bench/keyword-latency.ts --rounds ${rounds}`);
await stores.close();
