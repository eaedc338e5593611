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
