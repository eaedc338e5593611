/**
 * The output rail on answers corrupted on purpose, and the time to first token its held-back window adds.
 *
 * Corruption: every sentence of the sample knowledge base's markdown policies and manual (ingest/sample-kb/*.md,
 * paragraphs as passages) is an answer sentence citing its own paragraph [1]; it is then corrupted three ways
 * where it can be: a number changed (each digit run +1, or 15 -> 16), a product or brand name replaced by another
 * one from products.csv, and a negation added or removed ("can" -> "cannot", "is" -> "is not", "not" dropped).
 * Reported: share of corrupted sentences the rail removes, and share of the true ones it keeps, with the lexical
 * checks alone and with the encoder (USE lite) rescue on top. The checks were written from the corruption kinds,
 * not fitted on these sentences.
 *
 * TTFT: a stand-in model streams each answer (its first three sentences) at a fixed pace (--token-ms per delta
 * of ~4 characters, default 20 ms, about vLLM's 50 tokens/s), through the cite stage alone and through cite +
 * guard-out; time from the start of the run to the first delta the consumer reads, p50/p99, in the same run.
 *
 *   bun run bench/guardrails-output.ts [--token-ms 20] [--answers 60] [--no-encoder]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { SentenceEncoder } from "../core/embeddings/sentence-encoder";
import type { StreamEvent } from "../core/ports/language-model";
import type { Passage } from "../core/ports/retrieval";
import { splitSentences } from "../core/text";
import { DEFAULT_GUARD_CONFIG } from "../api/guardrails/guard-config";
import { Guardrails } from "../api/guardrails/guardrails";
import { OutputRail } from "../api/guardrails/output-rail";
import type { AnswerGenerator } from "../api/pipeline/answer-generator";
import { AnswerPipeline } from "../api/pipeline/runner";
import { newContext, type Stage } from "../api/pipeline/stage";
import { citationSources } from "../api/pipeline/stages/assemble";
import { citeStage } from "../api/pipeline/stages/cite";
import { generateStage } from "../api/pipeline/stages/generate";
import { guardOutStage } from "../api/pipeline/stages/guard-out";
import { summarize, table } from "./lib/metrics";

const { values } = parseArgs({ options: { "token-ms": { type: "string", default: "20" }, answers: { type: "string", default: "60" }, "no-encoder": { type: "boolean", default: false } } });
const tokenMs = Number(values["token-ms"]);
const KB = join(import.meta.dir, "..", "ingest", "sample-kb");

const paragraphs = ["returns-and-refunds.md", "warranty-terms.md", "voltbook-14-manual.md"].flatMap((f) =>
  readFileSync(join(KB, f), "utf8")
    .split(/\n\s*\n/)
    .map((p) => p.replace(/^#+\s.*$/gm, "").replace(/\*+/g, "").trim())
    .filter((p) => p.length > 80 && !p.startsWith("|")),
);
const passages: Passage[] = paragraphs.map((text, i) => ({ chunkId: `bench-out:${i}`, documentId: "kb", title: "Voltmart", page: null, sectionPath: [], text, charStart: 0, charEnd: text.length, docType: "policy", source: "kb", tags: [], score: 1, ranks: {} }));
const names: string[] = [...new Set((parse(readFileSync(join(KB, "products.csv")), { columns: true }) as { name: string; brand: string }[]).flatMap((r) => [r.name, r.brand]))].sort((a, b) => b.length - a.length);

const NEG: [RegExp, string][] = [[/\b(is|are|was|were|can|will|does|do|must|may|should) not\b/, "$1"], [/\bcannot\b/, "can"], [/\bnot\b /, ""], [/\b(is|are|can|will|must|may)\b/, "$1 not"]];
function corrupt(s: string): { kind: string; text: string }[] {
  const out: { kind: string; text: string }[] = [];
  if (/\d/.test(s)) out.push({ kind: "number", text: s.replace(/\d+/g, (d) => String(Number(d) + 1)) });
  const name = names.find((n) => s.includes(n));
  if (name) {
    const other = names.find((n) => n !== name && !s.includes(n) && !n.includes(name) && !name.includes(n));
    if (other) out.push({ kind: "product", text: s.split(name).join(other) });
  }
  for (const [re, rep] of NEG) {
    if (re.test(s)) {
      out.push({ kind: "negation", text: s.replace(re, rep).replace(/\s+/g, " ") });
      break;
    }
  }
  return out;
}

const encoder = values["no-encoder"] ? undefined : new SentenceEncoder();
await encoder?.warm();
const rails = { lexical: new OutputRail(), "lexical + encoder": new OutputRail({ encoder: () => encoder }) };
const counts = new Map<string, { n: number; caught: Record<string, number> }>();
const bump = (k: string, rail: string, caught: boolean) => {
  const c = counts.get(k) ?? { n: 0, caught: {} };
  if (rail === "lexical") c.n++;
  c.caught[rail] = (c.caught[rail] ?? 0) + (caught ? 1 : 0);
  counts.set(k, c);
};
for (const [pi, p] of passages.entries()) {
  for (const s of splitSentences(p.text)) {
    if (s.text.length < 25) continue;
    const true_ = `${s.text.replace(/[.!?]$/, "")} [1].`;
    for (const [name, rail] of Object.entries(rails)) {
      if (name !== "lexical" && !encoder) continue;
      const check = (text: string) => rail.checkSentence({ text, passages: [passages[pi]!], citedBefore: [], grounded: true }, DEFAULT_GUARD_CONFIG);
      bump("true sentence (kept = good)", name, (await check(true_)).verdict === "pass");
      for (const c of corrupt(s.text)) bump(`corrupted: ${c.kind} (removed = good)`, name, (await check(`${c.text.replace(/[.!?]$/, "")} [1].`)).verdict !== "pass");
    }
  }
}

// TTFT with and without the held-back window.
const answers = passages.slice(0, Number(values.answers)).map((p) => splitSentences(p.text).slice(0, 3).map((s) => `${s.text.replace(/[.!?]$/, "")} [1].`).join(" "));
const paced = (text: string): AnswerGenerator => ({
  id: "llm:paced",
  async *run(): AsyncIterable<StreamEvent> {
    yield { type: "start", model: "paced" };
    for (let i = 0; i < text.length; i += 4) {
      await Bun.sleep(tokenMs);
      yield { type: "delta", text: text.slice(i, i + 4) };
    }
    yield { type: "finish", reason: "stop" };
  },
});
const guardrails = new Guardrails({ configs: { current: async () => DEFAULT_GUARD_CONFIG }, encoder: () => encoder });
async function ttft(text: string, p: Passage, guarded: boolean): Promise<number> {
  const given: Stage = { name: "given", kind: "prepare", routes: "all", run: (ctx) => void ((ctx.passages = [p]), (ctx.sources = citationSources([p]))) };
  const pipeline = new AnswerPipeline([given, generateStage(paced(text)), citeStage(), ...(guarded ? [guardOutStage(guardrails, { groundedProducers: ["llm:paced"] })] : [])]);
  const ctx = newContext({ tenantId: "bench", content: "q" });
  const t0 = performance.now();
  let first = NaN;
  for await (const ev of (await pipeline.start(ctx)).events) if (ev.type === "delta" && Number.isNaN(first)) first = performance.now() - t0;
  return first;
}
const plain: number[] = [];
const held: number[] = [];
const added: number[] = [];
for (const [i, a] of answers.entries()) {
  const [x, y] = [await ttft(a, passages[i]!, false), await ttft(a, passages[i]!, true)];
  plain.push(x), held.push(y), added.push(y - x);
}
encoder?.close();

console.log(`bun run bench/guardrails-output.ts --token-ms ${tokenMs} --answers ${answers.length}${encoder ? "" : " --no-encoder"}\n`);
console.log(`${passages.length} passages; ${names.length} product and brand names\n`);
console.log(table(["sentences", "n", ...Object.keys(rails).filter((r) => r === "lexical" || encoder)], [...counts].map(([k, v]) => [k, v.n, ...Object.keys(rails).filter((r) => r === "lexical" || encoder).map((r) => (v.caught[r] ?? 0) / v.n)])));
const f = (xs: number[]) => summarize(xs);
console.log();
console.log(table(["first delta (ms)", "p50", "p99", "mean"], [["cite only", f(plain).p50, f(plain).p99, f(plain).mean], ["cite + guard-out (held back)", f(held).p50, f(held).p99, f(held).mean], ["added by the window", f(added).p50, f(added).p99, f(added).mean]]));
