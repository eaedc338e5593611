/**
 * The retrieval rail on BIPIA (indirect prompt injection, ../shared/datasets/bipia): each attack instruction of
 * the chosen split (text attacks into e-mail and table contexts, code attacks into code contexts) is inserted at
 * the start, the middle (at a line or sentence boundary nearest the half) and the end of a clean context of the
 * same split, cycling through the contexts; detection rate = share of those passages flagged. False positives =
 * share of the clean contexts (every one of the split) flagged. The rules were written on the train split;
 * report the test split.
 *
 *   bun run bench/guardrails-bipia.ts [--split test|train]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { scanPassage } from "../api/guardrails/retrieval-rail";
import { DATASETS } from "./lib/guard-data";
import { summarize, table } from "./lib/metrics";

const { values } = parseArgs({ options: { split: { type: "string", default: "test" }, verbose: { type: "boolean", default: false } } });
const split = values.split === "train" ? "train" : "test";
const dir = join(DATASETS, "bipia");
const contexts = (task: string): string[] => readFileSync(join(dir, task, `${split}.jsonl`), "utf8").split("\n").filter(Boolean).map((l) => { const c = JSON.parse(l).context as string | string[]; return Array.isArray(c) ? c.join("\n") : c; });
const attacks = (kind: "text" | "code"): { category: string; text: string }[] =>
  Object.entries(JSON.parse(readFileSync(join(dir, `${kind}_attack_${split}.json`), "utf8")) as Record<string, string[]>).flatMap(([category, xs]) => xs.map((text) => ({ category, text })));

function insert(context: string, attack: string, where: "start" | "middle" | "end"): string {
  if (where === "start") return `${attack}\n${context}`;
  if (where === "end") return `${context}\n${attack}`;
  const half = Math.floor(context.length / 2);
  const nl = context.indexOf("\n", half);
  const dot = context.indexOf(". ", half);
  const at = [nl, dot >= 0 ? dot + 1 : -1].filter((x) => x >= 0).sort((a, b) => a - b)[0] ?? half;
  return `${context.slice(0, at)}\n${attack}\n${context.slice(at)}`;
}

const rows: (string | number)[][] = [];
const byCategory = new Map<string, { n: number; hit: number }>();
const times: number[] = [];
for (const [task, kind] of [["email", "text"], ["table", "text"], ["code", "code"]] as const) {
  const ctxs = contexts(task);
  const atts = attacks(kind);
  let n = 0, hit = 0;
  atts.forEach((a, i) => {
    for (const where of ["start", "middle", "end"] as const) {
      const ctx = ctxs[(i * 3 + ["start", "middle", "end"].indexOf(where)) % ctxs.length]!;
      const t0 = performance.now();
      const flagged = scanPassage(insert(ctx, a.text, where)).flagged;
      times.push(performance.now() - t0);
      n++;
      if (flagged) hit++;
      const c = byCategory.get(`${kind}: ${a.category}`) ?? { n: 0, hit: 0 };
      c.n++;
      if (flagged) c.hit++;
      byCategory.set(`${kind}: ${a.category}`, c);
    }
  });
  const fp = ctxs.filter((c) => scanPassage(c).flagged);
  if (values.verbose) for (const c of fp) console.log("FP", task, JSON.stringify(scanPassage(c).findings), c.slice(0, 300).replace(/\n/g, " "));
  rows.push([task, atts.length, n, hit / n, ctxs.length, fp.length, fp.length / ctxs.length]);
}
console.log(`bun run bench/guardrails-bipia.ts --split ${split}\n`);
console.log(table(["context", "attacks", "injected passages", "detected", "clean contexts", "clean flagged", "false-positive rate"], rows));
console.log(`\nscan time per passage: ${JSON.stringify(summarize(times), (_, v) => (typeof v === "number" ? Math.round(v * 1000) / 1000 : v))} ms\n`);
console.log(table(["attack category", "passages", "detected"], [...byCategory].map(([k, v]) => [k, v.n, v.hit / v.n])));
