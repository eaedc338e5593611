/**
 * The layout rules of DESIGN.md, checked on the source: dependencies point inward (core imports nothing from
 * api, ingest, inference or graph), the answer pipeline has no import cycle, and a stage depends on the stage
 * contract, never on the runner, the default list or another stage.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (rel.endsWith(".ts") && !rel.endsWith(".test.ts")) out.push(rel);
  }
  return out;
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']/gm;

/** Project-relative paths a file imports (relative specifiers only), without extension. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1]!;
    if (!spec.startsWith(".")) continue;
    out.push(relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.ts$/, ""));
  }
  return out;
}

const strip = (f: string) => f.replace(/\.ts$/, "");

describe("architecture", () => {
  test("core imports nothing from api, ingest, inference, graph, bench or tests", () => {
    const bad = sources("core").flatMap((f) => importsOf(f).filter((i) => /^(api|ingest|inference|graph|bench|tests)\//.test(i)).map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  test("no import cycle among api/pipeline files", () => {
    const files = sources("api/pipeline").map(strip);
    const graph = new Map(files.map((f) => [f, importsOf(`${f}.ts`).filter((i) => i.startsWith("api/pipeline/"))]));
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") return void cycles.push([...path.slice(path.indexOf(f)), f].join(" -> "));
      state.set(f, "open");
      for (const next of graph.get(f) ?? []) visit(next, [...path, f]);
      state.set(f, "done");
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  test("a stage imports the stage contract, never the runner, the default list or another stage", () => {
    const stages = sources("api/pipeline/stages").map(strip);
    expect(stages.length).toBeGreaterThanOrEqual(8);
    const bad = stages.flatMap((f) =>
      importsOf(`${f}.ts`)
        .filter((i) => i === "api/pipeline/runner" || i === "api/pipeline/default-pipeline" || (i.startsWith("api/pipeline/stages/") && i !== f))
        .map((i) => `${f} -> ${i}`),
    );
    expect(bad).toEqual([]);
  });
});
