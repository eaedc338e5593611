/** Relational store contracts (one Drizzle implementation serves PGlite and PostgreSQL). */

export interface DocumentInfo {
  id: string;
  tenantId: string;
  title: string;
  source: string;
  sourceType: string;
  mimeType: string;
  format: string;
  docType: string;
  tags: string[];
  contentHash: string;
  version: number;
  pageCount: number | null;
  chunkCount: number;
  recordCount: number;
  bytes: number;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface ChunkInfo {
  id: string;
  tenantId: string;
  documentId: string;
  version: number;
  ordinal: number;
  text: string;
  page: number | null;
  pageEnd: number | null;
  sectionPath: string[];
  charStart: number;
  charEnd: number;
  tokenCount: number;
}

export interface RecordInfo {
  id: string;
  tenantId: string;
  documentId: string;
  version: number;
  collection: string;
  key: string | null;
  rowNumber: number;
  data: Record<string, string>;
}

export type JobStatus = "queued" | "running" | "succeeded" | "unchanged" | "failed";

export interface JobInfo {
  id: string;
  tenantId: string;
  status: JobStatus;
  source: string;
  title: string | null;
  documentId: string | null;
  error: { code: string; message: string } | null;
  progress: { stage: string; done: number; total: number } | null;
  result: Record<string, unknown> | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A chunk joined with its (active) document, as retrieval hydrates it. */
export interface ActiveChunk extends ChunkInfo {
  title: string;
  docType: string;
  source: string;
  tags: string[];
}

/** Reads chunks of active versions by id: what retrieval hydrates its hits with. */
export interface ActiveChunkReader {
  /** The listed chunks that belong to the active version of a live document (others are simply absent). */
  activeChunks(tenantId: string, ids: string[]): Promise<ActiveChunk[]>;
}

export interface DocumentListQuery {
  tenantId: string;
  limit: number;
  offset: number;
  docType?: string;
  tag?: string;
  q?: string;
}
