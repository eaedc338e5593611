/**
 * The knowledge base of the answer benchmarks: the sample knowledge base plus a synthetic corpus of
 * customer-service handbooks (bench/lib/corpus.ts: real support sentences from ../shared/datasets, one chunk per
 * ~850-character section), ingested through the product's ingestion pipeline in large batches. Built once into a
 * data directory and reused while its marker file says it holds the same number of chunks.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../core/config";
import { createServices, type Services } from "../../api/services";
import { markdownDocuments } from "./corpus";

export interface CorpusOptions {
  /** Synthetic chunks to add (each section of a generated document becomes one chunk). */
  chunks: number;
  /** Sections per document (default 250). */
  sectionsPerDocument?: number;
  /** Documents per ingestMany batch (default 20). */
  documentsPerBatch?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Ingests the synthetic corpus into the default tenant; returns what was added and how long it took. */
export async function addSyntheticCorpus(services: Services, o: CorpusOptions): Promise<{ chunks: number; documents: number; ms: number }> {
  const t0 = performance.now();
  const sections = o.sectionsPerDocument ?? 250;
  const perBatch = o.documentsPerBatch ?? 20;
  const docs = markdownDocuments(Math.ceil(o.chunks / sections), sections, 850, o.seed ?? 11);
  let added = 0;
  for (let i = 0; i < docs.length; i += perBatch) {
    const batch = docs.slice(i, i + perBatch).map((d, j) => ({
      tenantId: services.config.defaultTenant,
      source: `synthetic/handbook-${i + j + 1}.md`,
      sourceType: "text" as const,
      bytes: new TextEncoder().encode(d.text),
      filename: `handbook-${i + j + 1}.md`,
      title: d.title,
      docType: "synthetic",
    }));
    for (const r of await services.pipeline.ingestMany(batch)) {
      if (r instanceof Error) throw r;
      added += r.chunks;
    }
    o.onProgress?.(added, o.chunks);
  }
  return { chunks: added, documents: docs.length, ms: performance.now() - t0 };
}

export interface CorpusInfo {
  dir: string;
  syntheticChunks: number;
  totalChunks: number;
  buildSeconds: number | null;
}

/** Builds (or reuses) DATA_DIR `dir` holding the sample knowledge base plus `chunks` synthetic chunks. */
export async function ensureAnswerCorpus(dir: string, chunks: number, opts: { rebuild?: boolean; log?: (l: string) => void } = {}): Promise<CorpusInfo> {
  const marker = join(dir, "corpus.json");
  const log = opts.log ?? ((l: string) => process.stderr.write(l));
  if (!opts.rebuild && existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, "utf8")) as { syntheticChunks: number; requested: number; totalChunks: number };
    if (m.requested === chunks) return { dir, syntheticChunks: m.syntheticChunks, totalChunks: m.totalChunks, buildSeconds: null };
  }
  rmSync(dir, { recursive: true, force: true });
  const t = performance.now();
  const services = await createServices(loadConfig({ DATA_DIR: dir }), { sampleKb: true, log: () => {} });
  try {
    const added = await addSyntheticCorpus(services, { chunks, onProgress: (d, n) => log(`\rbuilding corpus: ${d}/${n} chunks`) });
    const totalChunks = await services.stores.documents.countChunks(services.config.defaultTenant);
    const buildSeconds = (performance.now() - t) / 1000;
    log(`\ncorpus: ${totalChunks} chunks (${added.chunks} synthetic) in ${buildSeconds.toFixed(1)} s\n`);
    writeFileSync(marker, JSON.stringify({ requested: chunks, syntheticChunks: added.chunks, totalChunks }));
    return { dir, syntheticChunks: added.chunks, totalChunks, buildSeconds };
  } finally {
    await services.close();
  }
}
