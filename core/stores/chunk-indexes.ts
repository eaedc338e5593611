/**
 * The chunk indexes ingestion writes through by default: vectors (each chunk embedded by the current embedder,
 * then upserted) and keywords. Both are filtered at read time by the relational store's active version, so
 * commit has nothing to switch.
 */
import type { ChunkIndex, VersionBatch } from "../ports/chunk-index";
import type { EmbedderHandle } from "../ports/embedder";
import type { KeywordDoc, KeywordIndex } from "../ports/keyword-index";
import type { VectorIndex } from "../ports/vector-index";
import { embedOffThread } from "../embeddings/off-thread-embedder";
import type { HeadingIndex } from "./heading-index";

/** The text a chunk is embedded from: its own words plus the title and section it sits under. */
export function embeddingText(title: string, c: { sectionPath: string[]; text: string }): string {
  const head = [title, ...c.sectionPath.filter((s) => s !== title)].join(" > ");
  return `${head}\n${c.text}`;
}

const KEYWORD_SLICE = 500;
const UPSERT_SLICE = 2000;
const yieldThread = () => new Promise<void>((r) => setImmediate(r));

const metaOf = (b: VersionBatch) => ({ tenantId: b.tenantId, documentId: b.documentId, version: b.version, docType: b.docType, source: b.source, tags: b.tags });

/** A chunk of the batch as the keyword and heading indexes take it. */
const keywordDocsOf = (b: VersionBatch, chunks: VersionBatch["chunks"], withText = true): KeywordDoc[] => {
  const meta = metaOf(b);
  return chunks.map((c) => ({ ...meta, id: c.id, title: b.title, section: c.sectionPath.join(" > "), text: withText ? c.text : "" }));
};

/**
 * Vectors: the local embedder embeds in a worker (core/embeddings/off-thread-embedder.ts) with the same binary
 * and fitted state, so its id is the current one; a remote embedder embeds in place (network I/O).
 */
export function vectorChunkIndex(embedder: EmbedderHandle, vectors: () => VectorIndex, o: { batchSize?: number } = {}): ChunkIndex {
  return {
    name: "vectors",
    async write(b, w = {}) {
      const e = embedder.current();
      const meta = metaOf(b);
      const texts = b.chunks.map((c) => embeddingText(b.title, c));
      const out = await embedOffThread(e, texts, { signal: w.signal, batchSize: o.batchSize ?? 256, onProgress: w.onProgress });
      const rows = b.chunks.map((c, i) => ({ ...meta, id: c.id, vector: out[i]! }));
      // Upsert in slices, yielding between them, so the in-memory mirror's copy never holds the thread long.
      for (let i = 0; i < rows.length; i += UPSERT_SLICE) {
        await vectors().upsert(rows.slice(i, i + UPSERT_SLICE));
        await yieldThread();
      }
    },
    async commit() {},
    remove: (sel) => vectors().remove(sel),
  };
}

/**
 * The heading index: the encoder embeds each new section's key text in its worker (core/stores/heading-index.ts).
 * The heading channel is an extra, written in the background: ingestion does not wait for the encoder (~10 ms a
 * document), the channel catches up a moment later (`HeadingIndex.idle()`); a version removed meanwhile (a failed
 * or superseded ingest) is never added. When the encoder fails, the document is still ingested and the miss is
 * counted on the index (health shows it).
 */
export function headingChunkIndex(headings: HeadingIndex): ChunkIndex {
  return {
    name: "headings",
    async write(b) {
      headings.enqueue(keywordDocsOf(b, b.chunks, false)); // the key text comes from the title and section
    },
    async commit() {},
    remove: (sel) => headings.remove(sel),
  };
}

/** The keyword index lives on this thread: chunks are added in slices with a yield between them. */
export function keywordChunkIndex(keywords: KeywordIndex): ChunkIndex {
  return {
    name: "keywords",
    async write(b, w = {}) {
      for (let i = 0; i < b.chunks.length; i += KEYWORD_SLICE) {
        w.signal?.throwIfAborted();
        await keywords.add(keywordDocsOf(b, b.chunks.slice(i, i + KEYWORD_SLICE)));
        w.onProgress?.(Math.min(i + KEYWORD_SLICE, b.chunks.length), b.chunks.length);
        await yieldThread();
      }
    },
    async commit() {},
    remove: (sel) => keywords.remove(sel),
  };
}
