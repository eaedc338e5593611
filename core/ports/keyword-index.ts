import type { DocumentSelector, IndexFilter, IndexHit, IndexedChunkMeta } from "./filters";

export interface KeywordDoc extends IndexedChunkMeta {
  title: string;
  section: string;
  text: string;
}

/** BM25 full-text search over chunks. */
export interface KeywordIndex {
  add(docs: KeywordDoc[]): Promise<void>;
  search(query: string, k: number, filter: IndexFilter): Promise<IndexHit[]>;
  remove(selector: DocumentSelector): Promise<void>;
  count(tenantId?: string): Promise<number>;
}
