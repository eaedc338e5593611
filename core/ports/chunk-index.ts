import type { DocumentSelector } from "./filters";
import type { ChunkInfo } from "./store";

/** One version of one document as every chunk index receives it. */
export interface VersionBatch {
  tenantId: string;
  documentId: string;
  version: number;
  title: string;
  docType: string;
  source: string;
  tags: string[];
  chunks: ChunkInfo[];
}

export interface ChunkIndexWriteOptions {
  signal?: AbortSignal;
  /** Progress of a long write (e.g. embedding), in chunks. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * An index ingestion writes chunks through (vectors, keywords, later the graph). A re-ingest writes the new
 * version to every index, flips the document's active version in the relational store, commits, then removes the
 * old version; readers only see chunks of the active version, so every index swaps at once. A failure before the
 * flip removes the new version everywhere.
 */
export interface ChunkIndex {
  readonly name: string;
  write(batch: VersionBatch, o?: ChunkIndexWriteOptions): Promise<void>;
  /** The version is now the active one (an index that keeps its own notion of "live" switches here). */
  commit(ref: { tenantId: string; documentId: string; version: number }): Promise<void>;
  /** Removes the selected versions of a document (every version when none are listed). */
  remove(selector: DocumentSelector): Promise<void>;
}
