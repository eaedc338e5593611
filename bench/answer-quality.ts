/**
 * Answer quality on the sample knowledge base (what the first start ingests), through the whole answer pipeline
 * (understand, hybrid retrieval, MMR, token budget, extractive generator), with the project's question set
 * bench/data/sample-kb-questions.json (questions with the expected source file and the facts the answer should
 * state; off-topic ones expected to be declined):
 *   answered with the right citation: decision PASS and a citation of the expected file;
 *   ... and the facts: additionally every `mustContain` string in the answer (case-insensitive);
 *   correctly declined: an unanswerable question gets ESCALATE or ASK_USER;
 *   wrongly answered: PASS on an unanswerable question, or PASS citing only other files.
 *
 *   bun run bench/answer-quality.ts [--verbose]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../core/config";
import { createServices } from "../api/services";
import { newContext } from "../api/pipeline/stage";
import { table } from "./lib/metrics";

interface Q {
  question: string;
  expectedSource: string | null;
  answerable: boolean;
  mustContain: string[];
}

const verbose = process.argv.includes("--verbose");
const questions = JSON.parse(readFileSync(resolve(import.meta.dir, "data/sample-kb-questions.json"), "utf8")) as Q[];
const dir = mkdtempSync(join(tmpdir(), "bench-answers-"));
const services = await createServices(loadConfig({ DATA_DIR: dir }), { inMemoryDatabase: true, sampleKb: true, log: () => {} });
const tenantId = services.config.defaultTenant;
const docs = await services.stores.documents.list({ tenantId, limit: 100, offset: 0 });
const fileOf = new Map(docs.items.map((d) => [d.id, d.source.replace(/^sample-kb\//, "")]));

type Row = { q: Q; decision: string; cited: string[]; answer: string; facts: boolean };
const rows: Row[] = [];
const t0 = performance.now();
for (const q of questions) {
  const ctx = newContext({ tenantId, content: q.question });
  for await (const _ of (await services.answerPipeline.start(ctx)).events) {
    /* drain */
  }
  const f = await services.answerPipeline.finish(ctx);
  const answer = f.answer.toLowerCase();
  rows.push({ q, decision: f.decision, cited: f.citations.map((c) => fileOf.get(c.documentId) ?? "?"), answer: f.answer, facts: q.mustContain.every((m) => answer.includes(m.toLowerCase())) });
}
const ms = (performance.now() - t0) / questions.length;

const answerable = rows.filter((r) => r.q.answerable);
const unanswerable = rows.filter((r) => !r.q.answerable);
const pass = (r: Row) => r.decision === "PASS";
const right = (r: Row) => pass(r) && r.cited.includes(r.q.expectedSource!);
const share = (n: number, of: number) => `${n}/${of} (${((n / Math.max(1, of)) * 100).toFixed(1)}%)`;
const count = (xs: Row[], f: (r: Row) => boolean) => xs.filter(f).length;

console.log(`\nAnswer quality on the sample knowledge base: ${questions.length} questions (${answerable.length} answerable, ${unanswerable.length} off-topic), extractive generator, ${ms.toFixed(1)} ms per question\n`);
console.log(
  table(
    ["measure", "result"],
    [
      ["answerable: answered (PASS)", share(count(answerable, pass), answerable.length)],
      ["answerable: answered with the right citation", share(count(answerable, right), answerable.length)],
      ["answerable: right citation first", share(count(answerable, (r) => pass(r) && r.cited[0] === r.q.expectedSource), answerable.length)],
      ["answerable: right citation and every expected fact", share(count(answerable, (r) => right(r) && r.facts), answerable.length)],
      ["answerable: answered citing only other files", share(count(answerable, (r) => pass(r) && !right(r)), answerable.length)],
      ["answerable: declined", share(count(answerable, (r) => !pass(r)), answerable.length)],
      ["off-topic: correctly declined", share(count(unanswerable, (r) => !pass(r)), unanswerable.length)],
    ],
  ),
);
const sources = [...new Set(answerable.map((r) => r.q.expectedSource!))].sort();
console.log(
  "\n" +
    table(
      ["expected source", "questions", "right citation", "right citation + facts"],
      sources.map((s) => {
        const xs = answerable.filter((r) => r.q.expectedSource === s);
        return [s, xs.length, count(xs, right), count(xs, (r) => right(r) && r.facts)];
      }),
    ),
);
if (verbose) {
  for (const r of rows.filter((r) => (r.q.answerable ? !right(r) : pass(r)))) {
    console.log(`\n- ${r.q.question}\n  expected ${r.q.expectedSource ?? "a decline"}; got ${r.decision} citing [${r.cited.join(", ")}]: ${r.answer.slice(0, 200)}`);
  }
}
console.log(`\ncommand: bun run bench/answer-quality.ts${verbose ? " --verbose" : ""}`);
await services.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
