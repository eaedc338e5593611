/**
 * PDF robustness benchmark: every PDF of the py-pdf sample-files corpus (../shared/datasets/pdf-sample-files) goes
 * through loadDocument and must end as "ok" or a clear AppError rejection; a non-AppError counts as a crash and a
 * load that outlives its timeout by 5 s counts as a hang.
 *   npx bun bench/pdf-robustness.ts [--timeout-ms 30000] [--max-chars 5000000] [--dir <path>]
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { isAppError } from "../core/errors";
import { chunkDocument } from "../ingest/chunker";
import { closePdfWorkers, loadDocument } from "../ingest/loaders";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const DIR = resolve(arg("dir", resolve(import.meta.dir, "../../shared/datasets/pdf-sample-files")));
const TIMEOUT_MS = Number(arg("timeout-ms", "30000"));
const MAX_CHARS = Number(arg("max-chars", "5000000"));

function listPdfs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listPdfs(path));
    else if (name.toLowerCase().endsWith(".pdf")) out.push(path);
  }
  return out;
}

type Outcome = "ok" | "rejected" | "crashed" | "hung";
interface Row {
  file: string;
  kb: number;
  pages: string;
  chars: number;
  chunks: number;
  outcome: Outcome;
  detail: string;
  ms: number;
}

const HANG = Symbol("hang");

async function run(path: string): Promise<Row> {
  const bytes = new Uint8Array(await Bun.file(path).arrayBuffer());
  const row: Row = { file: relative(DIR, path), kb: Math.round(bytes.length / 1024), pages: "-", chars: 0, chunks: 0, outcome: "ok", detail: "", ms: 0 };
  const t0 = performance.now();
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  try {
    const hang = new Promise<typeof HANG>((r) => (watchdog = setTimeout(() => r(HANG), TIMEOUT_MS + 5000)));
    const doc = await Promise.race([loadDocument({ bytes, filename: path.split("/").pop() }, { maxChars: MAX_CHARS, timeoutMs: TIMEOUT_MS }), hang]);
    if (doc === HANG) {
      row.outcome = "hung";
      row.detail = `no answer after ${TIMEOUT_MS + 5000} ms`;
    } else {
      row.pages = String(doc.pageCount ?? "-");
      row.chars = doc.sections.reduce((n, s) => n + s.text.length, 0);
      row.chunks = chunkDocument(doc, { size: 1000, overlap: 150 }).length;
      const headings = new Set(doc.sections.map((s) => s.headingPath.join(" > ")).filter(Boolean)).size;
      row.detail = `title "${doc.title.slice(0, 40)}", ${headings} heading paths${doc.metadata?.hasOutline ? " (outline)" : ""}`;
    }
  } catch (e) {
    if (isAppError(e)) {
      row.outcome = "rejected";
      row.detail = `${e.status} ${e.code}: ${e.message.slice(0, 90)}`;
    } else {
      row.outcome = "crashed";
      row.detail = String((e as Error)?.stack ?? e).slice(0, 120);
    }
  } finally {
    clearTimeout(watchdog);
  }
  row.ms = Math.round(performance.now() - t0);
  return row;
}

const files = listPdfs(DIR);
if (files.length === 0) {
  console.error(`no PDFs found under ${DIR}`);
  process.exit(1);
}
const rows: Row[] = [];
for (const f of files) rows.push(await run(f));
closePdfWorkers();

const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
console.log(`# PDF robustness: ${files.length} files from ${DIR}\n`);
console.log("| file | KB | pages | chars extracted | chunks | result | detail | time ms |");
console.log("|---|---:|---:|---:|---:|---|---|---:|");
for (const r of rows) {
  const result = r.outcome === "rejected" ? `rejected ${r.detail.split(":")[0]!.split(" ")[1]}` : r.outcome;
  console.log(`| ${esc(r.file)} | ${r.kb} | ${r.pages} | ${r.chars} | ${r.chunks} | ${result} | ${esc(r.detail)} | ${r.ms} |`);
}
const count = (o: Outcome) => rows.filter((r) => r.outcome === o).length;
const reasons = new Map<string, number>();
for (const r of rows.filter((x) => x.outcome === "rejected")) {
  const code = r.detail.split(":")[0]!.split(" ")[1]!;
  reasons.set(code, (reasons.get(code) ?? 0) + 1);
}
const reasonText = [...reasons].map(([k, v]) => `${k} ${v}`).join(", ");
const total = rows.reduce((n, r) => n + r.ms, 0);
console.log(
  `\ningested ${count("ok")}, rejected ${count("rejected")}${reasonText ? ` (${reasonText})` : ""}, crashed ${count("crashed")}, hung ${count("hung")}; total ${total} ms`,
);
console.log(`\ncommand: npx bun bench/pdf-robustness.ts --timeout-ms ${TIMEOUT_MS} --max-chars ${MAX_CHARS}`);
process.exit(count("crashed") + count("hung") > 0 ? 1 : 0);
