/** Metadata filters shared by every retrieval channel. Every query is scoped to one tenant. */
export interface IndexFilter {
  tenantId: string;
  docTypes?: string[];
  sources?: string[];
  /** A hit must carry every listed tag. */
  tags?: string[];
  documentIds?: string[];
}

/** What every index row carries besides its payload, so filters and atomic version swaps work everywhere. */
export interface IndexedChunkMeta {
  id: string;
  tenantId: string;
  documentId: string;
  /** The document version this chunk belongs to; readers only see the document's active version. */
  version: number;
  docType: string;
  source: string;
  tags: string[];
}

export interface IndexHit {
  id: string;
  documentId: string;
  version: number;
  score: number;
}

/** Selects the rows of one document, optionally only some versions of it. */
export interface DocumentSelector {
  tenantId: string;
  documentId: string;
  /** Only these versions; omitted means every version. */
  versions?: number[];
  /** Every version except this one. */
  exceptVersion?: number;
}
