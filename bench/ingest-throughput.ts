/**
 * Ingestion throughput: pages/s and chunks/s of the full pipeline (load -> chunk -> embed -> index -> commit)
 * on the real sample PDFs (../shared/datasets/pdf-sample-files, those with text) and on a generated 1,000-page
 * corpus (10 PDFs x 100 pages), beside unpdf's bare text extraction of the same files in the same run, with the
 * sentence encoder off (the code before issue 10) and on (its heading index written at ingest) one after the other.
 *
 *   bun run bench/ingest-throughput.ts
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { extractText, getDocumentProxy } from "unpdf";
import { createServices } from "../api/services";
import { loadConfig } from "../core/config";
import { mb, table } from "./lib/metrics";
import { paragraph, rng, sentencePool } from "./lib/corpus";

const SAMPLES = resolve(import.meta.dir, "../../shared/datasets/pdf-sample-files");

function listPdfs(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...listPdfs(p));
    else if (n.endsWith(".pdf")) out.push(p);
  }
  return out;
}

async function generatedCorpus(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const pool = sentencePool();
  const next = rng(7);
  const files = [];
  for (let f = 0; f < 10; f++) {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const bold = await doc.embedFont(StandardFonts.HelveticaBold);
    for (let p = 0; p < 100; p++) {
      const page = doc.addPage([612, 792]);
      page.drawText(`${f + 1}.${p + 1} Customer service topic ${p + 1}`, { x: 54, y: 740, size: 14, font: bold });
      const words = paragraph(pool, next, 2200).replace(/[^\x20-\x7E]/g, " ").split(" ");
      let line = "";
      let y = 715;
      for (const w of words) {
        if ((line + " " + w).length > 95) {
          page.drawText(line, { x: 54, y, size: 10, font });
          y -= 13;
          line = w;
          if (y < 60) break;
        } else line = line ? `${line} ${w}` : w;
      }
      if (y >= 60 && line) page.drawText(line, { x: 54, y, size: 10, font });
      page.drawText(`Page ${p + 1} of 100`, { x: 280, y: 30, size: 8, font });
    }
    files.push({ name: `generated-${f + 1}.pdf`, bytes: await doc.save() });
  }
  return files;
}

async function bareUnpdf(files: { bytes: Uint8Array }[]): Promise<{ ms: number; pages: number }> {
  const t = performance.now();
  let pages = 0;
  for (const f of files) {
    try {
      const pdf = await getDocumentProxy(new Uint8Array(f.bytes));
      const { totalPages } = await extractText(pdf, { mergePages: false });
      pages += totalPages;
    } catch {
      /* rejected files count no pages */
    }
  }
  return { ms: performance.now() - t, pages };
}

async function pipelineRun(label: string, files: { name: string; bytes: Uint8Array }[], encoder: "use" | "off") {
  const dir = mkdtempSync(join(tmpdir(), "bench-ingest-"));
  const config = loadConfig({ DATA_DIR: dir, SAMPLE_KB: "false", SENTENCE_ENCODER: encoder });
  const services = await createServices(config, { sampleKb: false, log: () => {} });
  // A running server has loaded the encoder at start; the timed run measures ingestion, not the model's load.
  await services.stores.encoder?.embed(["warm up the encoder"]);
  const t = performance.now();
  let pages = 0, chunks = 0, ok = 0, rejected = 0;
  for (const f of files) {
    try {
      const r = await services.pipeline.ingest({ tenantId: "bench", source: f.name, sourceType: "file", bytes: f.bytes, filename: f.name });
      pages += r.pages ?? 0;
      chunks += r.chunks;
      ok++;
    } catch {
      rejected++;
    }
  }
  const ms = performance.now() - t;
  // The heading index is written in the background: when it has caught up, from the start of the run.
  await services.stores.headings?.idle();
  const headingsMs = performance.now() - t;
  const rss = process.memoryUsage().rss;
  await services.close();
  rmSync(dir, { recursive: true, force: true });
  const bare = await bareUnpdf(files);
  return { headingsMs, label: `${label}, sentence encoder ${encoder === "use" ? "on (+ heading index)" : "off (before issue 10)"}`, files: files.length, ok, rejected, pages, chunks, ms, bare, rss };
}

const samples = listPdfs(SAMPLES).map((p) => ({ name: p.slice(SAMPLES.length + 1), bytes: new Uint8Array(readFileSync(p)) }));
const generated = await generatedCorpus();
// The code before issue 10 (no sentence encoder, no heading index) and now. Each setting runs in a fresh process
// of its own (--encoder): a third and fourth run in one process measured ~30% slower whichever setting it was.
const only = process.argv.find((a) => a.startsWith("--encoder="))?.slice("--encoder=".length) as "use" | "off" | undefined;
type Run = Awaited<ReturnType<typeof pipelineRun>>;
const runs: Run[] = [];
if (only) {
  runs.push(await pipelineRun("sample PDFs (pdf-sample-files)", samples, only), await pipelineRun("generated 1,000-page corpus", generated, only));
  console.log(`RUNS ${JSON.stringify(runs)}`);
  process.exit(0);
}
for (const encoder of ["off", "use"]) {
  const child = Bun.spawnSync([process.execPath, "run", import.meta.path, `--encoder=${encoder}`], { stderr: "inherit" });
  const line = child.stdout.toString().split("\n").find((l) => l.startsWith("RUNS "));
  if (!line) throw new Error(`the ${encoder} run failed`);
  runs.push(...(JSON.parse(line.slice(5)) as Run[]));
}

console.log("\nIngestion throughput (full pipeline: parse in worker, chunk, embed, LanceDB + BM25 + PGlite, commit)\n");
console.log(
  table(
    ["corpus", "files (ok/rejected)", "pages", "chunks", "pipeline s", "pages/s", "chunks/s", "headings caught up s", "bare unpdf s", "unpdf pages/s", "pipeline / bare unpdf"],
    runs.map((r) => [
      r.label,
      `${r.ok}/${r.rejected}`,
      r.pages,
      r.chunks,
      (r.ms / 1000).toFixed(2),
      (r.pages / (r.ms / 1000)).toFixed(1),
      (r.chunks / (r.ms / 1000)).toFixed(1),
      (r.headingsMs / 1000).toFixed(2),
      (r.bare.ms / 1000).toFixed(2),
      (r.bare.pages / (r.bare.ms / 1000)).toFixed(1),
      `${((r.pages / r.ms) / (r.bare.pages / r.bare.ms)).toFixed(2)}x`,
    ]),
  ),
);
console.log(`\nprocess RSS after the generated-corpus run: ${mb(runs[1]!.rss)} MB (encoder off), ${mb(runs[3]!.rss)} MB (on; each setting in its own process)`);
console.log("command: bun run bench/ingest-throughput.ts");
process.exit(0);
