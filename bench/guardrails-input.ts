/**
 * The input rail on direct attacks and on benign customer traffic, in one run:
 *   - detection on the project's attack set (tests/fixtures/guardrails/attacks.json: 133 prompts written for this
 *     project, each as written and in two obfuscated styles; split by prompt: the "tune" half was used to write
 *     the rules and choose the exemplar thresholds, the "report" half was not), with the pattern layer alone and
 *     with the exemplar layer (USE lite encoder); detection by style and family on the report half;
 *   - false positives: share of blocked messages on every query of banking77 (train + test) and
 *     bitext-customer-support, and share of those with a PII detection (none of these sets carries personal data
 *     in the text; bitext's order ids are 15-digit numbers);
 *   - time per message (pattern layer alone: the ≤ 5 ms target; the exemplar layer adds an encoder call).
 *
 *   bun run bench/guardrails-input.ts [--no-encoder] [--benign-sample N]
 */
import { parseArgs } from "node:util";
import { SentenceEncoder } from "../core/embeddings/sentence-encoder";
import { ExemplarDetector } from "../api/guardrails/exemplar-detector";
import { DEFAULT_GUARD_CONFIG } from "../api/guardrails/guard-config";
import { InputRail } from "../api/guardrails/input-rail";
import { detectPii } from "../api/guardrails/pii";
import { attacks, benignQueries } from "./lib/guard-data";
import { summarize, table } from "./lib/metrics";

const { values } = parseArgs({ options: { "no-encoder": { type: "boolean", default: false }, "benign-sample": { type: "string", default: "0" } } });
const cfg = DEFAULT_GUARD_CONFIG;
const rulesOnly = new InputRail();
const encoder = values["no-encoder"] ? undefined : new SentenceEncoder({ cacheSize: 0 });
await encoder?.warm();
const detector = encoder ? new ExemplarDetector(() => encoder) : undefined;
await detector?.warm();
const withEncoder = detector ? new InputRail({ exemplars: detector }) : undefined;

async function blocked(rail: InputRail, a: { text: string; turns?: string[] }, times?: number[]) {
  const t0 = performance.now();
  const r = await rail.check({ text: a.text, previousTurns: a.turns ?? [] }, cfg);
  times?.push(performance.now() - t0);
  return !r.allowed;
}

const all = attacks();
const rows: (string | number)[][] = [];
const ruleTimes: number[] = [];
const encTimes: number[] = [];
const perStyle = new Map<string, { n: number; rules: number; enc: number }>();
const perFamily = new Map<string, { n: number; rules: number; enc: number }>();
for (const split of ["tune", "report"] as const) {
  const set = all.filter((a) => a.split === split);
  let r = 0, e = 0;
  for (const a of set) {
    const br = await blocked(rulesOnly, a, ruleTimes);
    const be = withEncoder ? await blocked(withEncoder, a, encTimes) : br;
    if (br) r++;
    if (be) e++;
    if (split === "report") {
      for (const [m, k] of [[perStyle, a.style], [perFamily, a.family]] as [Map<string, { n: number; rules: number; enc: number }>, string][]) {
        const c = m.get(k) ?? { n: 0, rules: 0, enc: 0 };
        c.n++, br && c.rules++, be && c.enc++;
        m.set(k, c);
      }
    }
  }
  rows.push([`attacks (${split} half)`, set.length, r / set.length, withEncoder ? e / set.length : "-"]);
}

const benign = benignQueries();
const sample = Number(values["benign-sample"]);
const fpRows: (string | number)[][] = [];
const fpExamples: string[] = [];
for (const [name, qs0] of Object.entries(benign)) {
  const qs = sample > 0 ? qs0.filter((_, i) => i % Math.ceil(qs0.length / sample) === 0) : qs0;
  let r = 0, e = 0, pii = 0;
  for (const q of qs) {
    const br = await blocked(rulesOnly, { text: q }, ruleTimes);
    const be = withEncoder ? await blocked(withEncoder, { text: q }, encTimes) : br;
    if (br) r++;
    if (be) (e++, fpExamples.length < 10 && fpExamples.push(`${name}: ${q}`));
    if (detectPii(q).length) pii++;
  }
  fpRows.push([name, qs.length, r / qs.length, withEncoder ? e / qs.length : "-", pii / qs.length]);
}
encoder?.close();

const ms = (xs: number[]) => {
  const s = summarize(xs);
  return `p50 ${s.p50.toFixed(2)} / p99 ${s.p99.toFixed(2)} / mean ${s.mean.toFixed(2)}`;
};
console.log(`bun run bench/guardrails-input.ts${values["no-encoder"] ? " --no-encoder" : ""}${sample ? ` --benign-sample ${sample}` : ""}\n`);
console.log(table(["set", "messages", "blocked: patterns", "blocked: patterns + exemplars"], rows));
console.log();
console.log(table(["benign set", "queries", "blocked: patterns", "blocked: patterns + exemplars", "PII detected"], fpRows));
console.log(`\nms per message: patterns ${ms(ruleTimes)}${withEncoder ? `; patterns + exemplars ${ms(encTimes)}` : ""}\n`);
console.log(table(["report half by style", "n", "patterns", "patterns + exemplars"], [...perStyle].map(([k, v]) => [k, v.n, v.rules / v.n, withEncoder ? v.enc / v.n : "-"])));
console.log();
console.log(table(["report half by family", "n", "patterns", "patterns + exemplars"], [...perFamily].map(([k, v]) => [k, v.n, v.rules / v.n, withEncoder ? v.enc / v.n : "-"])));
if (fpExamples.length) console.log(`\nbenign messages blocked (first ${fpExamples.length}):\n${fpExamples.join("\n")}`);

