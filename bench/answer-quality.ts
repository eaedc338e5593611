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
 * Halves: the settings are tuned on the even-indexed questions (--grid runs that tuning: minCoverage x the
 * word-similarity credit and threshold), the odd-indexed ones are reported as held out. The main measures are
 * also reported per category (policy, manual, faq, product, order, followup, offtopic) for both halves.
 *
 * Follow-ups: a question with `history` (the user's earlier questions in the same conversation) is asked as the
 * next turn of that conversation. The earlier questions are run through the same pipeline first, in order, each
 * with the turns before it, and their real answers become the history, as the conversation service builds it
 * (historyOf): a user turn with the standalone question it was answered as, then the assistant turn when the
 * answer is complete or partial, the last HISTORY_MESSAGES of them. Those earlier turns are not scored.
 *
 *   npx bun bench/answer-quality.ts [--grid] [--verbose]
 *   npx bun bench/answer-quality.ts --llm http://127.0.0.1:18101/v1 [--llm-model gemma-3-270m] [--every 3] [--max-tokens 96]
 *
 * --llm answers with a real model behind an OpenAI-compatible server (LLM_BASE_URLS, no extractive fallback:
 * LLM_FALLBACK=off) instead of the extractive generator, through the same pipeline (prompt, citation mapping,
 * grounding gate, decision). --every N asks every Nth question only (a sample for a slow engine; both halves keep
 * questions when N is odd); --max-tokens caps each answer.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../core/config";
import { createServices } from "../api/services";
import { createAnswerPipeline } from "../api/pipeline/default-pipeline";
import { EXTRACTIVE_MIN_COVERAGE } from "../api/pipeline/create-generator";
import { ExtractiveAnswerGenerator } from "../api/pipeline/extractive-generator";
import { sentenceSimilarityOf } from "../api/services";
import { SENTENCE_SIMILARITY_WEIGHT } from "../inference/extractive-score";
import { ENCODER_ANSWER_MIN, ENCODER_CONTINUE_MARGIN, ENCODER_DECLINE_BELOW, ENCODER_FILLER_MIN, MAX_SIMILARITY_CANDIDATES } from "../inference/extractive-compose";
import { newContext, type FinalAnswer, type HistoryTurn } from "../api/pipeline/stage";
import { RELATED_CREDIT, RELATED_MIN_SIMILARITY } from "../inference/extractive";
import { table } from "./lib/metrics";
import { parse } from "csv-parse/sync";

interface Q {
  question: string;
  expectedSource: string | null;
  answerable: boolean;
  mustContain: string[];
  category?: string;
  /** Earlier user questions of the same conversation, oldest first (follow-ups). */
  history?: string[];
  /** About one customer's order: scored by the order dialogue (below), not as a knowledge-base answer. */
  personal?: boolean;
}

/** How many earlier messages the conversation service passes to the pipeline (api/modules/conversations/service.ts). */
const HISTORY_MESSAGES = 6;

const verbose = process.argv.includes("--verbose");
const grid = process.argv.includes("--grid");
const encoderGridOnly = process.argv.includes("--grid-encoder") || process.argv.includes("--grid-filler");
const questions = JSON.parse(readFileSync(resolve(import.meta.dir, "data/sample-kb-questions.json"), "utf8")) as Q[];
const dir = mkdtempSync(join(tmpdir(), "bench-answers-"));
// --weights vector=0.5,keyword=1,heading=0.25: retrieval fusion weights other than the shipped ones (RETRIEVAL_WEIGHTS).
const weightsArg = process.argv.find((a) => a.startsWith("--weights="))?.slice("--weights=".length);
const argOf = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const llmUrl = argOf("llm");
const llmModel = argOf("llm-model") ?? "gemma-3-270m";
const every = Number(argOf("every") ?? 1);
const maxTokens = argOf("max-tokens") ? Number(argOf("max-tokens")) : undefined;
const llmEnv = llmUrl ? { LLM_BASE_URLS: `${llmUrl}|${llmModel}`, LLM_FALLBACK: "off", LLM_TTFT_TIMEOUT_MS: "600000", LLM_TOTAL_TIMEOUT_MS: "1200000", LLM_QUEUE_TIMEOUT_MS: "600000" } : {};
const services = await createServices(loadConfig({ DATA_DIR: dir, ...(weightsArg ? { RETRIEVAL_WEIGHTS: weightsArg } : {}), ...llmEnv }), { inMemoryDatabase: true, sampleKb: true, log: () => {} });
const tenantId = services.config.defaultTenant;
const docs = await services.stores.documents.list({ tenantId, limit: 100, offset: 0 });
const fileOf = new Map(docs.items.map((d) => [d.id, d.source.replace(/^sample-kb\//, "")]));

type Row = { q: Q; i: number; decision: string; cited: string[]; answer: string; facts: boolean };
interface Setting {
  minCoverage: number;
  relatedCredit: number;
  relatedMinSimilarity: number;
  /** Weight of the sentence encoder's cosine in sentence choice (0: lexical only). */
  sentenceSimilarityWeight: number;
  encoderAnswerMin: number;
  encoderDeclineBelow: number;
  encoderContinueMargin: number;
  /** Candidate sentences sent to the encoder per question (its cost per cold question). */
  maxSimilarityCandidates: number;
  /** A missing question word is left out of the gate when the question without it keeps this similarity (above 1: off). */
  encoderFillerMin: number;
}
const SHIPPED: Setting = { minCoverage: EXTRACTIVE_MIN_COVERAGE, relatedCredit: RELATED_CREDIT, relatedMinSimilarity: RELATED_MIN_SIMILARITY, sentenceSimilarityWeight: SENTENCE_SIMILARITY_WEIGHT, encoderAnswerMin: ENCODER_ANSWER_MIN, encoderDeclineBelow: ENCODER_DECLINE_BELOW, encoderContinueMargin: ENCODER_CONTINUE_MARGIN, maxSimilarityCandidates: MAX_SIMILARITY_CANDIDATES, encoderFillerMin: ENCODER_FILLER_MIN };

/** The product's answer pipeline with the extractive generator at `s` (the shipped setting: services' own). */
function pipelineFor(s: Setting) {
  if (s === SHIPPED) return services.answerPipeline;
  const encoder = services.stores.encoder;
  const generator = new ExtractiveAnswerGenerator({
    ...s,
    wordSimilarity: services.stores.embedder.wordSimilarity(),
    sentenceSimilarity: encoder && s.sentenceSimilarityWeight > 0 ? sentenceSimilarityOf(encoder) : undefined,
  });
  return createAnswerPipeline({ config: services.config, retriever: services.retriever, generator, embedder: () => services.stores.embedder.current() });
}

type Pipeline = ReturnType<typeof pipelineFor>;

async function ask(pipeline: Pipeline, content: string, history: HistoryTurn[], customer?: { email: string }): Promise<FinalAnswer> {
  const ctx = newContext({ tenantId, content, history, ...(customer ? { customer } : {}), ...(maxTokens ? { maxTokens } : {}) });
  for await (const _ of (await pipeline.start(ctx)).events) {
    /* drain */
  }
  return pipeline.finish(ctx);
}

/**
 * The history a follow-up is asked with: the earlier questions answered in turn by the same pipeline, as the
 * conversation service would pass them. Memoised per conversation prefix (several follow-ups share openings).
 */
function conversations(pipeline: Pipeline) {
  const memo = new Map<string, Promise<HistoryTurn[]>>();
  const before = (asked: string[]): Promise<HistoryTurn[]> => {
    if (asked.length === 0) return Promise.resolve([]);
    const key = JSON.stringify(asked);
    let turns = memo.get(key);
    if (!turns) {
      turns = (async () => {
        const earlier = await before(asked.slice(0, -1));
        const content = asked[asked.length - 1]!;
        const f = await ask(pipeline, content, earlier.slice(-HISTORY_MESSAGES));
        const answered = f.answer && (f.status === "complete" || f.status === "partial");
        return [...earlier, { role: "user", content, standalone: f.question }, ...(answered ? [{ role: "assistant" as const, content: f.answer }] : [])];
      })();
      memo.set(key, turns);
    }
    return turns;
  };
  return async (asked: string[] = []) => (await before(asked)).slice(-HISTORY_MESSAGES);
}

async function run(s: Setting, which: (i: number) => boolean): Promise<Row[]> {
  const pipeline = pipelineFor(s);
  const historyFor = conversations(pipeline);
  const rows: Row[] = [];
  for (const [i, q] of questions.entries()) {
    if (!which(i) || q.personal || i % every !== 0) continue;
    const f = await ask(pipeline, q.question, await historyFor(q.history));
    const answer = f.answer.toLowerCase();
    rows.push({ q, i, decision: f.decision, cited: f.citations.map((c) => fileOf.get(c.documentId) ?? "?"), answer: f.answer, facts: q.mustContain.every((m) => answer.includes(m.toLowerCase())) });
  }
  return rows;
}

const pass = (r: Row) => r.decision === "PASS";
const right = (r: Row) => pass(r) && r.cited.includes(r.q.expectedSource!);
const share = (n: number, of: number) => `${n}/${of} (${((n / Math.max(1, of)) * 100).toFixed(1)}%)`;
const count = (xs: Row[], f: (r: Row) => boolean) => xs.filter(f).length;
const even = (i: number) => i % 2 === 0;
const odd = (i: number) => i % 2 === 1;
/** The tuning objective: answerable questions answered with the right citation and every fact, plus off-topic ones declined. */
const objective = (rows: Row[]) => count(rows.filter((r) => r.q.answerable), (r) => right(r) && r.facts) + count(rows.filter((r) => !r.q.answerable), (r) => !pass(r));

if (grid || encoderGridOnly) {
  // Tune on the even-indexed questions only; the odd ones are reported with the setting this picks.
  const results: [Setting, number][] = [];
  if (!encoderGridOnly)
  for (const minCoverage of [0.3, 0.4, 0.5])
    for (const relatedCredit of [0.4, 0.5, 0.6])
      for (const relatedMinSimilarity of [0.45, 0.5, 0.55]) {
        const s = { ...SHIPPED, minCoverage, relatedCredit, relatedMinSimilarity };
        results.push([s, objective(await run(s, even))]);
      }
  results.sort((a, b) => b[1] - a[1]);
  if (!encoderGridOnly) {
  console.log(`\nGrid on the ${questions.filter((_, i) => even(i)).length} even-indexed questions (objective: right citation + every fact, plus off-topic declined):\n`);
  console.log(table(["minCoverage", "relatedCredit", "relatedMinSimilarity", "objective (even)"], results.slice(0, 10).map(([s, v]) => [s.minCoverage, s.relatedCredit, s.relatedMinSimilarity, v])));
  const shipped = results.find(([s]) => s.minCoverage === SHIPPED.minCoverage && s.relatedCredit === SHIPPED.relatedCredit && s.relatedMinSimilarity === SHIPPED.relatedMinSimilarity);
  console.log(`\nshipped setting (${SHIPPED.minCoverage}, ${SHIPPED.relatedCredit}, ${SHIPPED.relatedMinSimilarity}): ${shipped?.[1]}; best: ${results[0]![1]}`);
  }
  const fillerOnly = process.argv.includes("--grid-filler");
  if (services.stores.encoder) {
    const sweep: [number, number, number, number][] = [];
    if (!fillerOnly)
    for (const w of [0, 0.5, 1])
      for (const answerMin of [0.45, 0.55, 0.65, 2])
        for (const declineBelow of [0, 0.2, 0.3, 0.4]) {
          if (w === 0 && (answerMin !== 2 || declineBelow !== 0)) continue; // without the encoder the gate has no similarity
          sweep.push([w, answerMin, declineBelow, objective(await run({ ...SHIPPED, sentenceSimilarityWeight: w, encoderAnswerMin: answerMin, encoderDeclineBelow: declineBelow }, even))]);
        }
    sweep.sort((a, b) => b[3] - a[3]);
    if (!fillerOnly) {
    console.log(`\nThe sentence encoder in sentence choice (weight) and in the gate (answer at >= answerMin, decline below declineBelow; 2 / 0 = off), other settings shipped, even half:\n`);
    console.log(table(["sentenceSimilarityWeight", "encoderAnswerMin", "encoderDeclineBelow", "objective (even)"], sweep.slice(0, 12)));
    const margins: (string | number)[][] = [];
    for (const m of [-1, 0.03, 0.06, 0.1, 0.15, 0.25]) margins.push([m, objective(await run({ ...SHIPPED, encoderContinueMargin: m }, even))]);
    console.log(`\nA further sentence of a quoted passage within this similarity margin of the best (-1 = off), other settings shipped, even half:\n`);
    console.log(table(["encoderContinueMargin", "objective (even)"], margins));
    const caps: (string | number)[][] = [];
    for (const n of [8, 12, 24, 40]) {
      const t = performance.now();
      const v = objective(await run({ ...SHIPPED, maxSimilarityCandidates: n }, even));
      caps.push([n, v, ((performance.now() - t) / questions.filter((_, i) => even(i)).length).toFixed(1)]);
    }
    console.log(`\nCandidate sentences sent to the encoder per question, other settings shipped, even half (ms per question in this process, with the LRU warm from the sweeps before: not the cold cost):\n`);
    console.log(table(["maxSimilarityCandidates", "objective (even)", "ms per question"], caps));
    }
    const fillers: (string | number)[][] = [];
    for (const m of [2, 0.8, 0.85, 0.9, 0.95]) fillers.push([m, objective(await run({ ...SHIPPED, encoderFillerMin: m }, even))]);
    console.log(`\nA missing word left out of the gate when the question without it keeps this similarity (2 = off), other settings shipped, even half:\n`);
    console.log(table(["encoderFillerMin", "objective (even)"], fillers));
    if (!fillerOnly) console.log(`shipped (${SHIPPED.sentenceSimilarityWeight}, ${SHIPPED.encoderAnswerMin}, ${SHIPPED.encoderDeclineBelow}): ${sweep.find((r) => r[0] === SHIPPED.sentenceSimilarityWeight && r[1] === SHIPPED.encoderAnswerMin && r[2] === SHIPPED.encoderDeclineBelow)?.[3]}; lexical only: ${sweep.find((r) => r[0] === 0)?.[3]}`);
  }
}

const t0 = performance.now();
const rows = await run(SHIPPED, () => true);
const ms = (performance.now() - t0) / questions.length;
const halves: [string, Row[]][] = [
  ["tuning half (even)", rows.filter((r) => even(r.i))],
  ["held-out half (odd)", rows.filter((r) => odd(r.i))],
  ["all", rows],
];
const measure = (name: string, f: (xs: Row[]) => [number, number]) => [name, ...halves.map(([, xs]) => share(...f(xs)))];
const ans = (xs: Row[]) => xs.filter((r) => r.q.answerable);
const off = (xs: Row[]) => xs.filter((r) => !r.q.answerable);

const generatorName = llmUrl ? `LLM ${llmModel} at ${llmUrl}${maxTokens ? ` (max ${maxTokens} tokens)` : ""}` : "extractive generator";
const asked = rows.length;
const personalCount = questions.filter((q) => q.personal).length;
console.log(`\nAnswer quality on the sample knowledge base: ${asked} knowledge-base questions${every > 1 ? ` (every ${every}th of ${questions.length})` : ""} (${ans(rows).length} answerable, ${off(rows).length} off-topic; the ${personalCount} order questions are scored below), ${generatorName}, ${(ms * questions.length / asked).toFixed(1)} ms per question (follow-ups' earlier turns included)\n`);
console.log(
  table(
    ["measure", ...halves.map(([n]) => n)],
    [
      measure("answerable: answered (PASS)", (xs) => [count(ans(xs), pass), ans(xs).length]),
      measure("answerable: answered with the right citation", (xs) => [count(ans(xs), right), ans(xs).length]),
      measure("answerable: right citation first", (xs) => [count(ans(xs), (r) => pass(r) && r.cited[0] === r.q.expectedSource), ans(xs).length]),
      measure("answerable: right citation and every expected fact", (xs) => [count(ans(xs), (r) => right(r) && r.facts), ans(xs).length]),
      measure("answerable: answered citing only other files", (xs) => [count(ans(xs), (r) => pass(r) && !right(r)), ans(xs).length]),
      measure("answerable: declined", (xs) => [count(ans(xs), (r) => !pass(r)), ans(xs).length]),
      measure("off-topic: correctly declined", (xs) => [count(off(xs), (r) => !pass(r)), off(xs).length]),
    ],
  ),
);
const CATEGORY_ORDER = ["policy", "manual", "faq", "product", "order", "followup", "offtopic"];
const categoryOf = (r: Row) => r.q.category ?? "(none)";
const categories = [...new Set(rows.map(categoryOf))].sort((a, b) => (CATEGORY_ORDER.indexOf(a) + 1 || 99) - (CATEGORY_ORDER.indexOf(b) + 1 || 99));
/** "-" where a category has no question of that kind (no answerable or no off-topic question). */
const cell = (n: number, of: number) => (of === 0 ? "-" : share(n, of));
for (const [name, xs] of halves.slice(0, 2)) {
  console.log(`\nPer category, ${name}:\n`);
  console.log(
    table(
      ["category", "questions", "right citation", "right citation + every fact", "off-topic declined"],
      categories.map((c) => {
        const inCat = xs.filter((r) => categoryOf(r) === c);
        const a = ans(inCat);
        const o = off(inCat);
        return [c, inCat.length, cell(count(a, right), a.length), cell(count(a, (r) => right(r) && r.facts), a.length), cell(count(o, (r) => !pass(r)), o.length)];
      }),
    ),
  );
}
const answerable = ans(rows);
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
  // The tuning half only: reading the held-out half's failures would tune on it.
  console.log("\nFailures on the tuning half (even):");
  for (const r of rows.filter((r) => even(r.i) && (r.q.answerable ? !(right(r) && r.facts) : pass(r)))) {
    const before = r.q.history?.length ? ` (after: ${r.q.history.join(" / ")})` : "";
    const missing = r.q.mustContain.filter((m) => !r.answer.toLowerCase().includes(m.toLowerCase()));
    const why = !r.q.answerable ? "answered off-topic" : !right(r) ? `expected ${r.q.expectedSource}` : `missing ${JSON.stringify(missing)}`;
    console.log(`\n- [${r.q.category ?? "?"}] ${r.q.question}${before}\n  ${why}; got ${r.decision} citing [${r.cited.join(", ")}]: ${r.answer.slice(0, 300).replace(/\n/g, " / ")}`);
  }
}
await personalReport();
console.log(`\ncommand: npx bun ${process.argv.slice(1).map((a) => a.replace(/^.*\/bench\//, "bench/")).join(" ")}`);
await services.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);

/**
 * The order questions (`personal: true`): an order is shown only to a customer who proves it is theirs, so each is
 * scored twice through the shipped pipeline:
 *   stranger: asked as written, anonymously: right when the answer is not PASS and states none of the order's
 *     facts the question did not itself contain (it asks for proof, leaks nothing);
 *   verified: the customer proves it: after the request for proof they send the order's email (questions naming
 *     an order number), or they are signed in with that email (questions naming only an email); a follow-up is
 *     asked after its opening question was verified that way. Right when PASS and every expected fact is stated
 *     (the customer's email excepted: an answer never echoes personal fields).
 */
async function personalReport(): Promise<void> {
  const rows = parse(readFileSync(resolve(import.meta.dir, "../ingest/sample-kb/orders.csv"), "utf8"), { columns: true }) as Record<string, string>[];
  const byKey = new Map(rows.map((r) => [r.order_id!.toUpperCase(), r]));
  const pipeline = services.answerPipeline;
  const ORDER = /\bVM-\d{6}\b/i;
  const EMAIL = /[\w.+-]+@[\w.-]+\.[a-z]{2,}/i;
  const facts = (q: Q) => q.mustContain.filter((m) => !EMAIL.test(m));
  /** The verified conversation of an opening question: its turns, and the customer to sign in as. */
  async function verified(question: string): Promise<{ history: HistoryTurn[]; customer?: { email: string }; final: FinalAnswer }> {
    const key = ORDER.exec(question)?.[0]?.toUpperCase();
    if (key) {
      const first = await ask(pipeline, question, []);
      const proof = `my email is ${byKey.get(key)?.customer_email ?? "nobody@example.com"}`;
      const history: HistoryTurn[] = [{ role: "user", content: question }, { role: "assistant", content: first.answer }];
      const final = await ask(pipeline, proof, history);
      return { history: [...history, { role: "user", content: proof }, { role: "assistant", content: final.answer }], final };
    }
    const customer = { email: EMAIL.exec(question)?.[0] ?? "nobody@example.com" };
    const final = await ask(pipeline, question, [], customer);
    return { history: [{ role: "user", content: question }, { role: "assistant", content: final.answer }], customer, final };
  }
  type P = { q: Q; i: number; strangerOk: boolean; leakFree: boolean; verifiedOk: boolean; strangerAnswer: string; verifiedAnswer: string };
  const out: P[] = [];
  for (const [i, q] of questions.entries()) {
    if (!q.personal) continue;
    // Stranger: the opening questions first (anonymous), then this one.
    let history: HistoryTurn[] = [];
    for (const h of q.history ?? []) {
      const f = await ask(pipeline, h, history);
      history = [...history, { role: "user", content: h }, { role: "assistant", content: f.answer }];
    }
    const s = await ask(pipeline, q.question, history);
    const said = s.answer.toLowerCase();
    const asked = [q.question, ...(q.history ?? [])].join(" ").toLowerCase();
    const leaked = facts(q).filter((m) => !asked.includes(m.toLowerCase()) && said.includes(m.toLowerCase()));
    const strangerOk = s.decision !== "PASS" && leaked.length === 0;
    // Verified.
    let v: FinalAnswer;
    if (q.history?.length) {
      const opening = await verified(q.history[0]!);
      v = await ask(pipeline, q.question, opening.history, opening.customer);
    } else v = (await verified(q.question)).final;
    const vs = v.answer.toLowerCase();
    const verifiedOk = v.decision === "PASS" && facts(q).every((m) => vs.includes(m.toLowerCase()));
    out.push({ q, i, strangerOk, leakFree: leaked.length === 0, verifiedOk, strangerAnswer: s.answer, verifiedAnswer: v.answer });
  }
  const halvesP: [string, P[]][] = [["tuning half (even)", out.filter((p) => even(p.i))], ["held-out half (odd)", out.filter((p) => odd(p.i))], ["all", out]];
  console.log(`\nOrder questions (${out.length}, personal data): asked by a stranger, and by the verified customer\n`);
  console.log(
    table(
      ["measure", ...halvesP.map(([n]) => n)],
      [
        ["stranger: leaks none of the order's facts", ...halvesP.map(([, xs]) => share(xs.filter((p) => p.leakFree).length, xs.length))],
        ["stranger: asks for proof (not PASS) and leaks nothing", ...halvesP.map(([, xs]) => share(xs.filter((p) => p.strangerOk).length, xs.length))],
        ["verified: PASS with every expected fact", ...halvesP.map(([, xs]) => share(xs.filter((p) => p.verifiedOk).length, xs.length))],
      ],
    ),
  );
  if (verbose)
    for (const p of out.filter((p) => (even(p.i) && (!p.strangerOk || !p.verifiedOk)) || (process.argv.includes("--privacy") && !p.strangerOk)))
      console.log(`\n- ${p.q.question}${p.q.history?.length ? ` (after: ${p.q.history.join(" / ")})` : ""}\n  stranger ${p.strangerOk ? "ok" : "WRONG"}: ${p.strangerAnswer.slice(0, 160)}\n  verified ${p.verifiedOk ? "ok" : "WRONG"}: ${p.verifiedAnswer.slice(0, 200)}`);
}
