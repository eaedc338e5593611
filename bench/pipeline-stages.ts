/**
 * Answer pipeline time without generation (understand + retrieve + rerank + assemble) on the sample knowledge
 * base plus a 50,000-chunk synthetic corpus: p50/p99 of the whole and of each stage, and each stage's share of
 * the total. The questions are bench/data/sample-kb-questions.json, asked one at a time, `--rounds` times.
 * The extractive generation that follows is timed separately for reference (not part of the total).
 *
 *   bun run bench/pipeline-stages.ts [--chunks 50000] [--rounds 3] [--rebuild]
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../core/config";
import { createServices } from "../api/services";
import { newContext } from "../api/pipeline/stage";
import { summarize, table } from "./lib/metrics";
import { ensureAnswerCorpus } from "./lib/synthetic-corpus";

const { values } = parseArgs({ options: { chunks: { type: "string", default: "50000" }, rounds: { type: "string", default: "3" }, rebuild: { type: "boolean", default: false } } });
const chunks = Number(values.chunks);
const rounds = Number(values.rounds);
const corpus = await ensureAnswerCorpus(resolve(import.meta.dir, `out/answer-corpus-${chunks}`), chunks, { rebuild: values.rebuild });
const services = await createServices(loadConfig({ DATA_DIR: corpus.dir }), { sampleKb: false, log: () => {} });
const questions = (JSON.parse(readFileSync(resolve(import.meta.dir, "data/sample-kb-questions.json"), "utf8")) as { question: string }[]).map((q) => q.question);
const tenantId = services.config.defaultTenant;

// Both retrieval channels must work, or the timings would be those of a degraded pipeline.
const probe = newContext({ tenantId, content: questions[0]! });
await services.answerPipeline.prepare(probe);
const broken = Object.entries(probe.retrieval!.channels).filter(([, c]) => c.error);
if (broken.length) throw new Error(`retrieval channel failing: ${broken.map(([n, c]) => `${n}: ${c.error}`).join("; ")} (try --rebuild)`);

const STAGES = ["understand", "retrieve", "rerank", "assemble"] as const;
const samples: Record<string, number[]> = { total: [], generate: [] };
for (const s of STAGES) samples[s] = [];

for (const q of questions.slice(0, 10)) await services.answerPipeline.prepare(newContext({ tenantId, content: q })); // warm-up
const wall = performance.now();
for (let r = 0; r < rounds; r++) {
  for (const q of questions) {
    const ctx = newContext({ tenantId, content: q });
    const t = performance.now();
    await services.answerPipeline.prepare(ctx);
    samples.total!.push(performance.now() - t);
    for (const s of STAGES) samples[s]!.push(ctx.timings[s] ?? 0);
    // Generation on the same context, for reference.
    const g = performance.now();
    for await (const _ of services.generator.run({ tenantId, question: ctx.understanding!.question, passages: ctx.passages, history: [] })) {
      /* drain */
    }
    samples.generate!.push(performance.now() - g);
  }
}
const wallS = (performance.now() - wall) / 1000;
const meanTotal = summarize(samples.total!).mean;
const rows = [...STAGES, "total"].map((s) => {
  const m = summarize(samples[s]!);
  return [s, m.p50.toFixed(2), m.p99.toFixed(2), m.mean.toFixed(2), s === "total" ? "100%" : `${((m.mean / meanTotal) * 100).toFixed(1)}%`];
});
const gen = summarize(samples.generate!);
rows.push(["(generate, extractive: not in total)", gen.p50.toFixed(2), gen.p99.toFixed(2), gen.mean.toFixed(2), "-"]);
console.log(`\nPipeline without generation on ${corpus.totalChunks} chunks (sample KB + ${corpus.syntheticChunks} synthetic), ${samples.total!.length} questions sequentially (${questions.length} x ${rounds}), ${wallS.toFixed(1)} s\n`);
console.log(table(["stage", "p50 ms", "p99 ms", "mean ms", "share of mean total"], rows));
console.log(`\ncommand: bun run bench/pipeline-stages.ts --chunks ${chunks} --rounds ${rounds}`);
await services.close();
process.exit(0);
