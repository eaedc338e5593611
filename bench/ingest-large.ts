/**
 * Large-document ingestion: (a) /v1/health latency, polled every 50 ms, while a 49 MB generated text file (and a
 * 16 MB one) is uploaded through POST /v1/documents?wait=true to a running server process (bun run
 * api/server.ts, PGlite in a temp dir, SAMPLE_KB=false); (b) full-pipeline ingestion MB/s (load + chunk in the
 * ingestion worker, embed in the embedding worker, PGlite + LanceDB + BM25, commit) for text, Markdown, HTML and
 * CSV at 1, 4 and 16 MB, and a generated PDF at two page counts. All inputs are generated here.
 *
 *   bun run bench/ingest-large.ts            (SIZES=1,4,16 FORMATS=text,markdown,html,csv to change)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { createServices } from "../api/services";
import { loadConfig } from "../core/config";
import { largeDocument, prng, wrap, type LargeFormat } from "./lib/large-corpus";
import { summarize, table } from "./lib/metrics";
import { startServerProcess } from "../tests/support/server-process";

const startServer = (dir: string, env: Record<string, string> = {}) => startServerProcess(dir, env);

const MB = 1024 * 1024;
const EXT: Record<LargeFormat, string> = { text: "txt", markdown: "md", html: "html", csv: "csv" };


async function healthDuringUpload(label: string, bytes: number) {
  const dir = mkdtempSync(join(tmpdir(), "bench-large-"));
  const { proc, base, auth } = await startServer(dir);
  const authz = await auth();
  // A small first document fits the embedder, as on a server that already has a knowledge base.
  await fetch(`${base}/v1/documents?wait=true`, { method: "POST", headers: { "content-type": "application/json", ...authz }, body: JSON.stringify({ title: "Seed", text: largeDocument("markdown", 200_000, 9) }) });
  const file = new File([largeDocument("text", bytes, 2)], "big.txt", { type: "text/plain" });
  const samples: number[] = [];
  let uploading = true;
  const poller = (async () => {
    while (uploading) {
      const t = performance.now();
      await fetch(`${base}/v1/health`).then((r) => r.arrayBuffer());
      samples.push(performance.now() - t);
      await Bun.sleep(50);
    }
  })();
  const form = new FormData();
  form.append("file", file);
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/documents?wait=true`, { method: "POST", body: form, headers: authz });
  const job = (await res.json()) as { status?: string; result?: { chunks: number }; error?: { code: string; message: string } };
  const ms = performance.now() - t0;
  uploading = false;
  await poller;
  const t1 = performance.now();
  proc.kill("SIGTERM");
  const code = await proc.exited;
  const stopMs = performance.now() - t1;
  rmSync(dir, { recursive: true, force: true });
  const s = summarize(samples);
  const outcome = job.status === "succeeded" ? `ingested, ${job.result?.chunks} chunks` : `HTTP ${res.status} ${job.error?.code ?? job.status}`;
  return [label, (bytes / MB).toFixed(0), outcome, (ms / 1000).toFixed(1), samples.length, s.p50.toFixed(1), s.p99.toFixed(1), s.max.toFixed(1), `${(stopMs / 1000).toFixed(1)} s (exit ${code})`];
}

async function generatedPdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const next = prng(3);
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([612, 792]);
    page.drawText(`${p + 1} Customer Service Topic ${p + 1}`, { x: 54, y: 740, size: 14, font });
    const lines = wrap(largeDocument("text", 3000, 100 + p).replace(/\s+/g, " ").slice(0, 2600), 95).split("\n");
    let y = 715;
    for (const l of lines) {
      if (y < 60) break;
      page.drawText(l, { x: 54, y, size: 10, font });
      y -= 13;
    }
    void next;
  }
  return doc.save();
}

async function throughput(sizes: number[], formats: LargeFormat[]) {
  const dir = mkdtempSync(join(tmpdir(), "bench-large-tp-"));
  const config = loadConfig({ DATA_DIR: dir, SAMPLE_KB: "false", MAX_DOCUMENT_CHARS: String(100 * MB), INGEST_TIMEOUT_MS: "600000" });
  const services = await createServices(config, { sampleKb: false, log: () => {} });
  const enc = new TextEncoder();
  await services.pipeline.ingest({ tenantId: "bench", source: "seed", sourceType: "text", bytes: enc.encode(largeDocument("markdown", 200_000, 9)), filename: "seed.md" });
  const rows: (string | number)[][] = [];
  const run = async (label: string, name: string, bytes: Uint8Array) => {
    const t = performance.now();
    const r = await services.pipeline.ingest({ tenantId: "bench", source: name, sourceType: "file", bytes, filename: name });
    const s = (performance.now() - t) / 1000;
    const mb = bytes.byteLength / MB;
    rows.push([label, mb.toFixed(2), r.chunks, s.toFixed(2), (mb / s).toFixed(2), (s / mb).toFixed(2)]);
  };
  for (const f of formats) for (const size of sizes) await run(f, `${f}-${size}.${EXT[f]}`, enc.encode(largeDocument(f, size * MB, size)));
  for (const pages of [100, 400]) await run(`pdf (${pages} pages)`, `gen-${pages}.pdf`, await generatedPdf(pages));
  await services.close();
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

const sizes = (process.env.SIZES ?? "1,4,16").split(",").map(Number);
const formats = (process.env.FORMATS ?? "text,markdown,html,csv").split(",") as LargeFormat[];
const health = [await healthDuringUpload("49 MB text, default limits", 49 * MB), await healthDuringUpload("16 MB text", 16 * MB)];
console.log("\n(a) /v1/health latency (ms) polled every 50 ms during one upload (POST /v1/documents?wait=true), server process on PGlite\n");
console.log(table(["upload", "MB", "outcome", "upload s", "health samples", "p50", "p99", "max", "SIGTERM -> exit"], health));
const tp = await throughput(sizes, formats);
console.log("\n(b) full-pipeline ingestion throughput (in-process services; load+chunk and embedding in workers)\n");
console.log(table(["format", "MB", "chunks", "seconds", "MB/s", "s/MB"], tp));
console.log("\ncommand: bun run bench/ingest-large.ts");
process.exit(0);
