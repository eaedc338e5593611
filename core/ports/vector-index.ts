import type { DocumentSelector, IndexFilter, IndexHit, IndexedChunkMeta } from "./filters";

export interface VectorRow extends IndexedChunkMeta {
  vector: Float32Array;
}

/** Approximate/exact nearest-neighbour search over chunk vectors (cosine; higher score is closer). */
export interface VectorIndex {
  upsert(rows: VectorRow[]): Promise<void>;
  search(vector: Float32Array, k: number, filter: IndexFilter): Promise<IndexHit[]>;
  remove(selector: DocumentSelector): Promise<void>;
  /** Rows for a tenant (all tenants when omitted). */
  count(tenantId?: string): Promise<number>;
}

/** A vector index whose rows can be read back, and which several processes may write: what a mirror wraps. */
export interface VectorSource extends VectorIndex {
  /** Stored rows with their vectors: every row, or one document's. */
  rows(of?: { tenantId: string; documentId: string }): Promise<VectorRow[]>;
  /** Makes writes other processes committed since this one opened the store visible. */
  refresh(): Promise<void>;
}

/**
 * The vector index as the rest of the product sees it (Stores.vectors()): searchable, writable, kept current with
 * other replicas' writes, and able to say what state it is in.
 */
export interface SharedVectorIndex extends VectorIndex {
  /** Another replica changed this document in the shared store: read its rows again. */
  refreshDocument(tenantId: string, documentId: string): Promise<void>;
  /** What /v1/health shows. `problem` is set when the index cannot be used (e.g. built by another embedder). */
  status(): Promise<{ kind: string; rows: number; inMemoryMirror: boolean; problem?: Error & { code?: string } }>;
}
