/**
 * The chunk indexes ingestion writes through by default: vectors (each chunk embedded by the current embedder,
 * then upserted) and keywords. Both are filtered at read time by the relational store's active version, so
 * commit has nothing to switch.
 */
import type { ChunkIndex, VersionBatch } from "../ports/chunk-index";
import type { EmbedderHandle } from "../ports/embedder";
import type { KeywordIndex } from "../ports/keyword-index";
import type { VectorIndex } from "../ports/vector-index";
import { errors } from "../errors";

/** The text a chunk is embedded from: its own words plus the title and section it sits under. */
export function embeddingText(title: string, c: { sectionPath: string[]; text: string }): string {
  const head = [title, ...c.sectionPath.filter((s) => s !== title)].join(" > ");
  return `${head}\n${c.text}`;
}

const metaOf = (b: VersionBatch) => ({ tenantId: b.tenantId, documentId: b.documentId, version: b.version, docType: b.docType, source: b.source, tags: b.tags });

export function vectorChunkIndex(embedder: EmbedderHandle, vectors: () => VectorIndex, o: { batchSize?: number } = {}): ChunkIndex {
  return {
    name: "vectors",
    async write(b, w = {}) {
      const e = embedder.current();
      const size = o.batchSize ?? 64;
      const meta = metaOf(b);
      const out: Float32Array[] = [];
      for (let i = 0; i < b.chunks.length; i += size) {
        if (w.signal?.aborted) throw errors.unavailable("INGEST_ABORTED", "ingestion was cancelled");
        out.push(...(await e.embed(b.chunks.slice(i, i + size).map((c) => embeddingText(b.title, c)), w.signal)));
        w.onProgress?.(Math.min(i + size, b.chunks.length), b.chunks.length);
      }
      await vectors().upsert(b.chunks.map((c, i) => ({ ...meta, id: c.id, vector: out[i]! })));
    },
    async commit() {},
    remove: (sel) => vectors().remove(sel),
  };
}

export function keywordChunkIndex(keywords: KeywordIndex): ChunkIndex {
  return {
    name: "keywords",
    async write(b) {
      const meta = metaOf(b);
      await keywords.add(b.chunks.map((c) => ({ ...meta, id: c.id, title: b.title, section: c.sectionPath.join(" > "), text: c.text })));
    },
    async commit() {},
    remove: (sel) => keywords.remove(sel),
  };
}
