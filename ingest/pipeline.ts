/**
 * The ingestion pipeline: load -> chunk -> write the new version to the relational store and to every chunk
 * index in the list (vectors embed there; keywords; later the graph) -> flip the document's active version in
 * one statement -> commit on every index -> remove the old version everywhere. Readers only ever see chunks of a
 * document's active version (the relational join enforces it), so a re-ingest swaps a document in every index
 * at once, and a failure at any step before the flip removes the new version everywhere and leaves the previous
 * one intact. Built by createIngestion() (create-ingestion.ts) from the stores.
 */
import { createHash, randomUUID } from "node:crypto";
import { basename } from "node:path";
import type { Config } from "../core/config";
import type { DocumentRepository } from "../core/db/document-repository";
import { databaseError } from "../core/db/db-errors";
import { AppError, errors, isAppError } from "../core/errors";
import type { ChunkIndex } from "../core/ports/chunk-index";
import type { DocumentSelector } from "../core/ports/filters";
import type { ChunkInfo, DocumentInfo, RecordInfo } from "../core/ports/store";
import { estimateTokens } from "../core/text/tokenize";
import { guessDocType } from "./doc-type";
import { KeyedMutex } from "./keyed-mutex";
import type { LoadedMeta, PreparedDocument, PrepareOptions } from "./prepare-document";
import { prepareOffThread } from "./prepare-off-thread";
import type { ChunkDraft, LoaderInput } from "./types";

export interface IngestRequest {
  tenantId: string;
  /** Identity of the document within the tenant (path, file name, URL or caller key). */
  source: string;
  sourceType: "file" | "upload" | "url" | "text";
  bytes: Uint8Array;
  filename?: string;
  mimeType?: string;
  title?: string;
  docType?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

export type IngestStatus = "created" | "updated" | "unchanged";

export interface IngestResult {
  status: IngestStatus;
  document: DocumentInfo;
  chunks: number;
  records: number;
  pages: number | null;
  timings: Record<string, number>;
}

export interface IngestProgress {
  stage: "load" | "chunk" | "embed" | "index" | "commit";
  done: number;
  total: number;
}

export interface IngestOptions {
  signal?: AbortSignal;
  onProgress?: (p: IngestProgress) => void;
}

export interface IngestionDeps {
  config: Pick<Config, "chunking" | "limits">;
  documents: DocumentRepository;
  /** Every chunk index, in write order. */
  indexes: readonly ChunkIndex[];
  /**
   * Called with the texts of the first corpus ingested while the embedder is unfitted; fits it (SIF weights,
   * principal component) and returns true when the embedder changed so that the vector index must be rebound.
   */
  fitEmbedder?: (texts: string[]) => Promise<boolean>;
  /** Called once a document's new version is live, or once it is deleted (other replicas re-read it). */
  onChange?: (change: { tenantId: string; documentId: string }) => void;
  /**
   * Load + chunk of one document. Default: in the ingestion worker (prepare-off-thread.ts), so no parsing or
   * chunking runs on the caller's thread; prepareDocument (prepare-document.ts) does the same in-process.
   */
  prepare?: (input: LoaderInput, opts: PrepareOptions & { signal?: AbortSignal }) => Promise<PreparedDocument>;
  /**
   * Looks at the new version's chunks before it is committed and returns fields for the document's metadata
   * (the guardrails flag chunks that carry instructions aimed at the model: `{ guardrails: {...} }`).
   */
  inspectChunks?: (tenantId: string, chunks: readonly { ordinal: number; text: string }[]) => Promise<Record<string, unknown>>;
}

interface Prepared {
  req: IngestRequest;
  hash: string;
  existing: DocumentInfo | null;
  loaded?: LoadedMeta;
  /** The full text the drafts' offsets refer to. */
  content?: string;
  drafts?: ChunkDraft[];
}

export class IngestionPipeline {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly deps: IngestionDeps) {}

  /** Ingests one document (create, replace or no-op when unchanged). */
  async ingest(req: IngestRequest, opts: IngestOptions = {}): Promise<IngestResult> {
    const [res] = await this.ingestMany([req], opts);
    if (res instanceof Error) throw res;
    return res!;
  }

  /**
   * Ingests several documents; returns a result or an error per request, in order. When the embedder has not
   * been fitted yet, it is fitted on the whole batch's chunks before anything is embedded.
   */
  async ingestMany(reqs: IngestRequest[], opts: IngestOptions = {}): Promise<(IngestResult | AppError)[]> {
    const prepared: (Prepared | AppError)[] = [];
    for (const req of reqs) {
      try {
        prepared.push(await this.prepare(req, opts));
      } catch (e) {
        prepared.push(toAppError(e));
      }
    }
    if (this.deps.fitEmbedder) {
      const texts = prepared.flatMap((p) => (p instanceof AppError || !p.drafts ? [] : p.drafts.map((d) => d.text)));
      if (texts.length) await this.deps.fitEmbedder(texts);
    }
    const out: (IngestResult | AppError)[] = [];
    for (const p of prepared) {
      if (p instanceof AppError) {
        out.push(p);
        continue;
      }
      try {
        out.push(await this.mutex.run(`${p.req.tenantId}\u0000${p.req.source}`, () => this.commit(p, opts)));
      } catch (e) {
        out.push(toAppError(e));
      }
    }
    return out;
  }

  /** Removes a document from every index; readers stop seeing it at once. */
  async delete(tenantId: string, documentId: string): Promise<DocumentInfo> {
    const doc = await this.deps.documents.deleteDocument(tenantId, documentId);
    if (!doc) throw errors.notFound("document", documentId);
    await this.mutex.run(`${tenantId}\u0000${doc.source}`, () => this.removeEverywhere({ tenantId, documentId }));
    this.deps.onChange?.({ tenantId, documentId });
    return doc;
  }

  private async prepare(req: IngestRequest, opts: IngestOptions): Promise<Prepared> {
    validate(req);
    const hash = contentHash(req);
    const existing = await this.deps.documents.findBySource(req.tenantId, req.source);
    if (existing && existing.contentHash === hash) return { req, hash, existing };
    opts.onProgress?.({ stage: "load", done: 0, total: 1 });
    const { limits, chunking } = this.deps.config;
    const { loaded, content, drafts } = await (this.deps.prepare ?? prepareOffThread)(
      { bytes: req.bytes, filename: req.filename, mimeType: req.mimeType },
      { signal: opts.signal, maxChars: limits.maxDocumentChars, timeoutMs: limits.ingestTimeoutMs, chunking },
    );
    opts.onProgress?.({ stage: "chunk", done: 1, total: 1 });
    // A personal table has records and no chunks (ingest/loaders/csv.ts); anything else needs text.
    if (!drafts.length && !loaded.records?.length) throw errors.invalid("EMPTY_DOCUMENT", `'${req.source}' has no text to index`);
    return { req, hash, existing, loaded, content, drafts };
  }

  private async commit(p: Prepared, opts: IngestOptions): Promise<IngestResult> {
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const { req, hash } = p;
    // Re-read under the lock: another writer may have committed since prepare().
    const existing = await this.deps.documents.findBySource(req.tenantId, req.source);
    if (existing && existing.contentHash === hash) {
      return { status: "unchanged", document: existing, chunks: existing.chunkCount, records: existing.recordCount, pages: existing.pageCount, timings };
    }
    if (!p.loaded || !p.drafts || p.content === undefined) {
      // prepare() saw it unchanged but it changed since: load it now.
      const again = await this.prepare(req, opts);
      return this.commit({ ...again, existing }, opts);
    }
    const loaded = p.loaded;
    const drafts = p.drafts;
    const content = p.content;
    const docId = existing?.id ?? `doc_${randomUUID()}`;
    const version = (existing?.version ?? 0) + 1;
    const title = req.title?.trim() || loaded.title || basename(req.source);
    const docType = req.docType ?? guessDocType(req.filename ?? req.source, loaded.format);
    const tags = [...new Set(req.tags ?? [])];
    const chunkRows: ChunkInfo[] = drafts.map((d) => ({
      id: `${docId}:${version}:${d.ordinal}`,
      tenantId: req.tenantId,
      documentId: docId,
      version,
      ordinal: d.ordinal,
      text: d.text,
      page: d.page,
      pageEnd: d.pageEnd,
      sectionPath: d.sectionPath,
      charStart: d.charStart,
      charEnd: d.charEnd,
      tokenCount: estimateTokens(d.text),
    }));
    const recordRows: RecordInfo[] = (loaded.records ?? []).map((r, i) => ({
      id: `${docId}:${version}:r${i}`,
      tenantId: req.tenantId,
      documentId: docId,
      version,
      collection: r.collection,
      key: r.key ?? null,
      rowNumber: i + 1,
      data: r.data,
    }));
    const batch = { tenantId: req.tenantId, documentId: docId, version, title, docType, source: req.source, tags, chunks: chunkRows };
    let committed = false;
    try {
      let t = performance.now();
      opts.onProgress?.({ stage: "index", done: 0, total: chunkRows.length });
      // In slices with a macrotask yield between them: the embedded database's queries resolve without giving
      // timers and requests a turn, so one call with every row held the thread for seconds on large documents.
      for (let i = 0; i < chunkRows.length; i += ROW_SLICE) {
        opts.signal?.throwIfAborted();
        await this.deps.documents.insertChunks(chunkRows.slice(i, i + ROW_SLICE));
        opts.onProgress?.({ stage: "index", done: Math.min(i + ROW_SLICE, chunkRows.length), total: chunkRows.length });
        await yieldThread();
      }
      for (let i = 0; i < recordRows.length; i += ROW_SLICE) {
        await this.deps.documents.insertRecords(recordRows.slice(i, i + ROW_SLICE));
        await yieldThread();
      }
      timings.storeMs = performance.now() - t;
      // Every index is written at once: the vectors embed in their worker and the headings in the encoder's while
      // the keyword index fills on this thread. All writes settle before a failure is raised, so the clean-up below
      // never races a write still in flight.
      const written = await Promise.allSettled(
        this.deps.indexes.map(async (index) => {
          const t0 = performance.now();
          const onProgress = (done: number, total: number) => opts.onProgress?.({ stage: index.name === "vectors" ? "embed" : "index", done, total });
          await index.write(batch, { signal: opts.signal, onProgress });
          timings[`${index.name}Ms`] = performance.now() - t0;
        }),
      );
      const failed = written.find((w): w is PromiseRejectedResult => w.status === "rejected");
      if (failed) throw failed.reason;
      opts.onProgress?.({ stage: "commit", done: 0, total: 1 });
      const inspected = this.deps.inspectChunks ? await this.deps.inspectChunks(req.tenantId, chunkRows) : {};
      const now = new Date();
      const doc: DocumentInfo & { content: string } = {
        id: docId,
        tenantId: req.tenantId,
        title,
        source: req.source,
        sourceType: req.sourceType,
        mimeType: loaded.mimeType,
        format: loaded.format,
        docType,
        tags,
        contentHash: hash,
        version,
        pageCount: loaded.pageCount ?? null,
        chunkCount: chunkRows.length,
        recordCount: recordRows.length,
        bytes: req.bytes.byteLength,
        metadata: { ...(loaded.metadata ?? {}), ...(req.metadata ?? {}), ...(req.filename ? { filename: req.filename } : {}), ...inspected },
        content,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await this.deps.documents.commitVersion(doc, existing?.version ?? null);
      committed = true;
      for (const index of this.deps.indexes) await index.commit({ tenantId: req.tenantId, documentId: docId, version });
      const { content: _content, ...info } = doc;
      // The new version is live; the old one is invisible and can go. If that fails, its rows stay invisible
      // (readers join on the active version) and the start-up sweep removes them: the ingest still succeeded.
      if (existing) await this.removeVersions(req.tenantId, docId, [existing.version]).catch(() => {});
      this.deps.onChange?.({ tenantId: req.tenantId, documentId: docId });
      timings.totalMs = performance.now() - t0;
      return { status: existing ? "updated" : "created", document: info, chunks: chunkRows.length, records: recordRows.length, pages: loaded.pageCount ?? null, timings };
    } catch (e) {
      // Undo the half-written new version everywhere; the active version was never touched.
      if (!committed) await this.removeVersions(req.tenantId, docId, [version]).catch(() => {});
      throw e;
    }
  }

  private async removeVersions(tenantId: string, documentId: string, versions: number[]): Promise<void> {
    await this.removeEverywhere({ tenantId, documentId, versions });
  }

  /** Relational rows first (readers stop seeing them), then every index. */
  private async removeEverywhere(sel: DocumentSelector): Promise<void> {
    await this.deps.documents.deleteRows(sel.tenantId, sel.documentId, { versions: sel.versions });
    for (const index of this.deps.indexes) await index.remove(sel);
  }
}

/** The text a chunk is embedded from (defined with the vector chunk index). */
export { embeddingText } from "../core/stores/chunk-indexes";

const ROW_SLICE = 500;
const yieldThread = () => new Promise<void>((r) => setImmediate(r));

function contentHash(req: IngestRequest): string {
  const h = createHash("sha256");
  h.update(req.bytes);
  h.update(JSON.stringify({ title: req.title ?? null, docType: req.docType ?? null, tags: [...(req.tags ?? [])].sort() }));
  return h.digest("hex");
}

function validate(req: IngestRequest): void {
  if (!req.source.trim()) throw errors.invalid("SOURCE_REQUIRED", "a document needs a source (file name, URL or key)");
  if (req.source.length > 1000) throw errors.invalid("SOURCE_TOO_LONG", "the document source is longer than 1000 characters");
  if (req.tags?.some((t) => !t.trim() || t.length > 64 || t.includes("|"))) {
    throw errors.invalid("INVALID_TAG", "tags must be 1-64 characters and must not contain '|'");
  }
}

function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  // A database error's message holds the statement and its parameters: the job records only a coded error.
  const db = databaseError(e);
  if (db) return db;
  return errors.internal("INGEST_FAILED", `ingestion failed: ${(e as Error)?.message ?? String(e)}`, e);
}
