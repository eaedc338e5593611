/**
 * Documents, chunks and structured records. A document's `version` is its active version: chunks and records of
 * any other version are invisible to readers (they are being written, or are about to be removed), which is
 * what lets a re-ingest swap a document in every index at once.
 */
import { and, asc, count, desc, eq, gt, ilike, inArray, lt, ne, or, sql, type SQL } from "drizzle-orm";
import { errors } from "../errors";
import type { ActiveChunk, ActiveChunkReader, ChunkInfo, DocumentInfo, DocumentListQuery, RecordInfo } from "../ports/store";
import type { Db } from "./client";
import { chunks, documents, records } from "./schema";

const BATCH = 500;

const documentColumns = {
  id: documents.id,
  tenantId: documents.tenantId,
  title: documents.title,
  source: documents.source,
  sourceType: documents.sourceType,
  mimeType: documents.mimeType,
  format: documents.format,
  docType: documents.docType,
  tags: documents.tags,
  contentHash: documents.contentHash,
  version: documents.version,
  pageCount: documents.pageCount,
  chunkCount: documents.chunkCount,
  recordCount: documents.recordCount,
  bytes: documents.bytes,
  metadata: documents.metadata,
  createdAt: documents.createdAt,
  updatedAt: documents.updatedAt,
};

/** A chunk row of its document's active version (readers join on this). */
const chunkIsActive = and(eq(documents.id, chunks.documentId), eq(documents.version, chunks.version));

export class DocumentRepository implements ActiveChunkReader {
  private readonly listeners = new Set<(tenantId: string, documentId: string) => void>();

  constructor(private readonly db: Db) {}

  /** Called after this process committed a version of a document or deleted it (caches forget it). */
  onVersionChange(fn: (tenantId: string, documentId: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(tenantId: string, documentId: string): void {
    for (const fn of this.listeners) fn(tenantId, documentId);
  }

  async findBySource(tenantId: string, source: string): Promise<DocumentInfo | null> {
    const rows = await this.db
      .select(documentColumns)
      .from(documents)
      .where(and(eq(documents.tenantId, tenantId), eq(documents.source, source)))
      .limit(1);
    return rows[0] ?? null;
  }

  async get(tenantId: string, id: string): Promise<DocumentInfo | null> {
    const rows = await this.db
      .select(documentColumns)
      .from(documents)
      .where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)))
      .limit(1);
    return rows[0] ?? null;
  }

  async getContent(tenantId: string, id: string): Promise<string | null> {
    const rows = await this.db
      .select({ content: documents.content })
      .from(documents)
      .where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)))
      .limit(1);
    return rows[0]?.content ?? null;
  }

  async list(q: DocumentListQuery): Promise<{ items: DocumentInfo[]; total: number }> {
    const conds = [eq(documents.tenantId, q.tenantId)];
    if (q.docType) conds.push(eq(documents.docType, q.docType));
    if (q.tag) conds.push(sql`${documents.tags} @> ${JSON.stringify([q.tag])}::jsonb`);
    if (q.q) {
      const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conds.push(or(ilike(documents.title, like), ilike(documents.source, like))!);
    }
    const where = and(...conds);
    const [items, totals] = await Promise.all([
      this.db.select(documentColumns).from(documents).where(where).orderBy(desc(documents.updatedAt), asc(documents.id)).limit(q.limit).offset(q.offset),
      this.db.select({ n: count() }).from(documents).where(where),
    ]);
    return { items, total: Number(totals[0]?.n ?? 0) };
  }

  async insertChunks(rows: ChunkInfo[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) await this.db.insert(chunks).values(rows.slice(i, i + BATCH));
  }

  async insertRecords(rows: RecordInfo[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) await this.db.insert(records).values(rows.slice(i, i + BATCH));
  }

  /**
   * Makes `doc.version` the active version in one statement. `expectedVersion` is the version the caller read
   * (null for a new document); a concurrent writer that got there first makes this fail with 409.
   */
  async commitVersion(doc: DocumentInfo & { content: string }, expectedVersion: number | null): Promise<void> {
    try {
      await this.writeVersion(doc, expectedVersion);
    } finally {
      this.changed(doc.tenantId, doc.id);
    }
  }

  private async writeVersion(doc: DocumentInfo & { content: string }, expectedVersion: number | null): Promise<void> {
    if (expectedVersion === null) {
      const inserted = await this.db.insert(documents).values(doc).onConflictDoNothing().returning({ id: documents.id });
      if (!inserted.length) throw errors.conflict("DOCUMENT_CONFLICT", `document '${doc.source}' was created concurrently; retry`);
      return;
    }
    const updated = await this.db
      .update(documents)
      .set({ ...doc, createdAt: undefined, updatedAt: new Date() })
      .where(and(eq(documents.tenantId, doc.tenantId), eq(documents.id, doc.id), eq(documents.version, expectedVersion)))
      .returning({ id: documents.id });
    if (!updated.length) throw errors.conflict("DOCUMENT_CONFLICT", `document '${doc.source}' changed concurrently; retry`);
  }

  /** Removes chunk and record rows of one document: the listed versions, or all but one. */
  async deleteRows(tenantId: string, documentId: string, sel: { versions?: number[]; exceptVersion?: number }): Promise<void> {
    for (const table of [chunks, records] as const) {
      const conds = [eq(table.tenantId, tenantId), eq(table.documentId, documentId)];
      if (sel.versions) conds.push(inArray(table.version, sel.versions));
      if (sel.exceptVersion !== undefined) conds.push(ne(table.version, sel.exceptVersion));
      await this.db.delete(table).where(and(...conds));
    }
  }

  /** Deletes the document row (readers stop seeing it at once); returns it, or null when there was none. */
  async deleteDocument(tenantId: string, id: string): Promise<DocumentInfo | null> {
    const rows = await this.db
      .delete(documents)
      .where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)))
      .returning(documentColumns);
    this.changed(tenantId, id);
    return rows[0] ?? null;
  }

  /** Chunks by id that belong to the active version of a live document, joined with document fields (uncached: see ChunkCache). */
  async activeChunks(tenantId: string, ids: string[]): Promise<ActiveChunk[]> {
    if (!ids.length) return [];
    return this.activeChunkRows().where(and(eq(chunks.tenantId, tenantId), inArray(chunks.id, ids)));
  }

  /** Active version of each listed document that exists. */
  async activeVersions(tenantId: string, ids: string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const rows = await this.db
      .select({ id: documents.id, version: documents.version })
      .from(documents)
      .where(and(eq(documents.tenantId, tenantId), inArray(documents.id, ids)));
    return new Map(rows.map((r) => [r.id, r.version]));
  }

  /** Chunks of active versions with their document's fields (add a where). */
  private activeChunkRows() {
    return this.db
      .select({ ...chunkColumns, title: documents.title, docType: documents.docType, source: documents.source, tags: documents.tags })
      .from(chunks)
      .innerJoin(documents, chunkIsActive);
  }

  /** Active chunks of one document in reading order. */
  async chunksOf(tenantId: string, documentId: string): Promise<ChunkInfo[]> {
    return this.db
      .select(chunkColumns)
      .from(chunks)
      .innerJoin(documents, chunkIsActive)
      .where(and(eq(chunks.tenantId, tenantId), eq(chunks.documentId, documentId)))
      .orderBy(asc(chunks.ordinal));
  }

  /** Pages through every active chunk (all tenants) in id order, for rebuilding in-memory indexes. */
  async *allActiveChunks(pageSize = 2000): AsyncGenerator<ActiveChunk[]> {
    let after = "";
    for (;;) {
      const page = await this.activeChunkRows()
        .where(gt(chunks.id, after))
        .orderBy(asc(chunks.id))
        .limit(pageSize);
      if (!page.length) return;
      yield page;
      after = page[page.length - 1]!.id;
    }
  }

  /** Active chunks of one document with the document's fields, in reading order (none when it is gone). */
  async activeChunksOfDocument(tenantId: string, documentId: string): Promise<ActiveChunk[]> {
    return this.activeChunkRows()
      .where(and(eq(chunks.tenantId, tenantId), eq(chunks.documentId, documentId)))
      .orderBy(asc(chunks.ordinal));
  }

  /** Active version of every document of a tenant. */
  async liveVersions(tenantId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .select({ id: documents.id, version: documents.version })
      .from(documents)
      .where(eq(documents.tenantId, tenantId));
    return new Map(rows.map((r) => [r.id, r.version]));
  }

  async tenants(): Promise<string[]> {
    const rows = await this.db.selectDistinct({ t: documents.tenantId }).from(documents);
    return rows.map((r) => r.t);
  }

  /**
   * Removes chunk and record rows of versions that are not active and older than `olderThan` (left behind by a
   * crashed or failed ingestion; younger ones may belong to an ingestion still running on another replica).
   */
  async sweepOrphans(olderThan: Date): Promise<number> {
    const orphan = (t: typeof chunks | typeof records) =>
      sql`not exists (select 1 from ${documents} d where d.id = ${t.documentId} and d.version = ${t.version})`;
    const c = await this.db
      .delete(chunks)
      .where(and(lt(chunks.createdAt, olderThan), orphan(chunks)))
      .returning({ id: chunks.id });
    await this.db.delete(records).where(orphan(records));
    return c.length;
  }

  async countChunks(tenantId: string): Promise<number> {
    const r = await this.db
      .select({ n: count() })
      .from(chunks)
      .innerJoin(documents, chunkIsActive)
      .where(eq(chunks.tenantId, tenantId));
    return Number(r[0]?.n ?? 0);
  }

  async findRecords(tenantId: string, collection: string, key: string): Promise<RecordInfo[]> {
    return this.activeRecords(and(eq(records.tenantId, tenantId), eq(records.collection, collection), eq(records.key, key)));
  }

  /** Records of their document's active version matching `where`. */
  private activeRecords(where: SQL | undefined) {
    return this.db
      .select(recordColumns)
      .from(records)
      .innerJoin(documents, and(eq(documents.id, records.documentId), eq(documents.version, records.version)))
      .where(where);
  }
}

const recordColumns = {
  id: records.id,
  tenantId: records.tenantId,
  documentId: records.documentId,
  version: records.version,
  collection: records.collection,
  key: records.key,
  rowNumber: records.rowNumber,
  data: records.data,
};

const chunkColumns = {
  id: chunks.id,
  tenantId: chunks.tenantId,
  documentId: chunks.documentId,
  version: chunks.version,
  ordinal: chunks.ordinal,
  text: chunks.text,
  page: chunks.page,
  pageEnd: chunks.pageEnd,
  sectionPath: chunks.sectionPath,
  charStart: chunks.charStart,
  charEnd: chunks.charEnd,
  tokenCount: chunks.tokenCount,
};
