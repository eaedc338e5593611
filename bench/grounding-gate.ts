/**
 * The grounding gate in front of a model (api/pipeline/stages/ground.ts) on the sample knowledge base: for each
 * question of bench/data/sample-kb-questions.json, the product's retrieval (understand, retrieve, rerank,
 * assemble) and then the gate's coverage. An answerable question should reach the model; an off-topic one
 * should be declined. The threshold is chosen on the even-indexed questions (balanced accuracy: the mean of the
 * two rates) and reported on the odd-indexed ones. Also the gate's cost per question beside the extractive
 * composer's (the gate it replaced in front of models).
 *
 *   bun run bench/grounding-gate.ts
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createServices } from "../api/services";
import { newContext } from "../api/pipeline/stage";
import { DEFAULT_MIN_GROUNDING, groundingCoverage } from "../api/pipeline/stages/ground";
import { loadConfig } from "../core/config";
import { composeExtractiveAnswer } from "../inference/extractive";
import { summarize, table } from "./lib/metrics";

interface Q {
  question: string;
  answerable: boolean;
}
const questions = JSON.parse(readFileSync(resolve(import.meta.dir, "data/sample-kb-questions.json"), "utf8")) as Q[];
const dir = mkdtempSync(join(tmpdir(), "bench-gate-"));
const services = await createServices(loadConfig({ DATA_DIR: dir }), { inMemoryDatabase: true, sampleKb: true, log: () => {} });
const tenantId = services.config.defaultTenant;

const rows: { i: number; answerable: boolean; coverage: number; best: number }[] = [];
const gateUs: number[] = [];
const composeUs: number[] = [];
for (const [i, q] of questions.entries()) {
  const ctx = newContext({ tenantId, content: q.question });
  await services.answerPipeline.prepare(ctx);
  const question = ctx.understanding?.question ?? q.question;
  let t = performance.now();
  const { coverage } = groundingCoverage(question, ctx.passages);
  gateUs.push((performance.now() - t) * 1000);
  t = performance.now();
  composeExtractiveAnswer(question, ctx.passages, { wordSimilarity: services.stores.embedder.wordSimilarity() });
  composeUs.push((performance.now() - t) * 1000);
  rows.push({ i, answerable: q.answerable, coverage, best: Math.max(0, ...ctx.passages.map((p) => p.score)) });
}

const passes = (r: (typeof rows)[number], min: number) => r.best > 0 && r.coverage >= min;
const rates = (xs: typeof rows, min: number) => {
  const ans = xs.filter((r) => r.answerable);
  const off = xs.filter((r) => !r.answerable);
  const passed = ans.filter((r) => passes(r, min)).length;
  const declined = off.filter((r) => !passes(r, min)).length;
  return { passed, ans: ans.length, declined, off: off.length, balanced: (passed / ans.length + declined / off.length) / 2 };
};
const even = rows.filter((r) => r.i % 2 === 0);
const odd = rows.filter((r) => r.i % 2 === 1);
const grid = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const cell = (r: ReturnType<typeof rates>) => `${r.passed}/${r.ans} reach the model, ${r.declined}/${r.off} off-topic declined`;
console.log(`\nGrounding gate on ${questions.length} sample questions (${even.length} even for tuning, ${odd.length} odd held out)\n`);
console.log(table(["min coverage", "even (tuning)", "balanced (even)", "odd (held out)"], grid.map((m) => [m, cell(rates(even, m)), rates(even, m).balanced.toFixed(3), cell(rates(odd, m))])));
const best = grid.reduce((a, b) => (rates(even, b).balanced > rates(even, a).balanced ? b : a));
console.log(`\nbest on the even half: ${best}; shipped DEFAULT_MIN_GROUNDING: ${DEFAULT_MIN_GROUNDING} -> odd half: ${cell(rates(odd, DEFAULT_MIN_GROUNDING))}`);
const g = summarize(gateUs);
const c = summarize(composeUs);
console.log(`\n${table(["check", "p50 us", "p99 us"], [["grounding gate (passage-level coverage, cached term sets)", g.p50.toFixed(1), g.p99.toFixed(1)], ["extractive composer (sentence selection + its gate)", c.p50.toFixed(1), c.p99.toFixed(1)]])}`);
console.log("\ncommand: bun run bench/grounding-gate.ts");
await services.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
