/**
 * VectorIndex on LanceDB (DATA_DIR/lance by default, LANCEDB_URI for object storage). The index records the
 * embedder id and dimension it was built with and refuses to mix vectors from another embedder. It is a
 * VectorSource (rows can be read back, other processes' writes made visible), so MirroredVectorIndex can keep an
 * exact in-memory copy in front of it while the table is small.
 */
import * as lancedb from "@lancedb/lancedb";
import { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } from "apache-arrow";
import type { LanceStorageConfig } from "../config";
import { AppError, errors } from "../errors";
import type { DocumentSelector, IndexFilter, IndexHit } from "../ports/filters";
import type { VectorRow, VectorSource } from "../ports/vector-index";
import { decodeTags, encodeTags, filterToSql, quote } from "./filter-sql";

const TABLE = "chunk_vectors";
const META = "index_meta";

export interface LanceOptions {
  uri: string;
  /** Object-storage options for an `s3://` uri (endpoint, region, credentials, plain HTTP), from LANCEDB_S3_*. */
  storage?: LanceStorageConfig;
  embedderId: string;
  dimension: number;
  /** Drop existing vectors and metadata (re-index). */
  reset?: boolean;
  /** Run compaction after this many writes (each write adds a fragment). */
  optimizeEvery?: number;
  /** Build an ANN index (IVF-HNSW with scalar quantisation) once the table has this many rows; 0 disables. */
  annMinRows?: number;
}

const DEFAULT_ANN_MIN_ROWS = 20_000;

/** LanceDB's object-store keys (lower case; unset values are left to the store's defaults and AWS_* variables). */
export function storageOptions(s: LanceStorageConfig | undefined): Record<string, string> | undefined {
  if (!s) return undefined;
  const out: Record<string, string> = {};
  if (s.endpoint) out.endpoint = s.endpoint;
  if (s.region) out.region = s.region;
  if (s.accessKeyId) out.aws_access_key_id = s.accessKeyId;
  if (s.secretAccessKey) out.aws_secret_access_key = s.secretAccessKey;
  if (s.sessionToken) out.aws_session_token = s.sessionToken;
  if (s.allowHttp) out.allow_http = "true";
  return Object.keys(out).length ? out : undefined;
}

export class LanceVectorIndex implements VectorSource {
  private writes: Promise<unknown> = Promise.resolve();
  private writesSinceOptimize = 0;
  private annReady = false;
  /** Set when the stored index was built by another embedder; every call then fails with this error. */
  mismatch?: AppError;

  private constructor(
    private readonly conn: lancedb.Connection,
    private readonly table: lancedb.Table,
    private readonly opts: LanceOptions,
  ) {}

  static async open(opts: LanceOptions): Promise<LanceVectorIndex> {
    let conn: lancedb.Connection;
    let names: string[];
    try {
      conn = await lancedb.connect(opts.uri, { storageOptions: storageOptions(opts.storage) });
      // On object storage the connection is lazy: the first listing is what reaches the bucket.
      names = await conn.tableNames();
    } catch (cause) {
      throw errors.unavailable("VECTOR_STORE_UNAVAILABLE", `LanceDB at ${opts.uri} could not be opened: ${(cause as Error).message}`, cause);
    }
    if (opts.reset) {
      for (const n of [TABLE, META]) if (names.includes(n)) await conn.dropTable(n);
    }
    const existing = opts.reset ? [] : names;
    let mismatch: AppError | undefined;
    if (existing.includes(META)) {
      const meta = await (await conn.openTable(META)).query().toArray();
      const m = meta[0] as { embedder_id: string; dimension: number } | undefined;
      if (m && (m.embedder_id !== opts.embedderId || Number(m.dimension) !== opts.dimension)) {
        mismatch = errors.conflict(
          "EMBEDDER_MISMATCH",
          `the vector index was built with embedder '${m.embedder_id}' (${m.dimension}-d) but the configured embedder is ` +
            `'${opts.embedderId}' (${opts.dimension}-d); vectors cannot be mixed: re-index with 'bun run ingest --reindex'`,
        );
      }
    } else {
      // Mode "create" (not "overwrite"): overwriting a table that does not exist makes lance log a "No existing
      // dataset ... it will be created" warning on every fresh start. existOk opens a table another process has
      // just created instead of failing.
      await conn.createTable(META, [{ embedder_id: opts.embedderId, dimension: opts.dimension }], { mode: "create", existOk: true });
    }
    const table = existing.includes(TABLE)
      ? await conn.openTable(TABLE)
      : await conn.createEmptyTable(TABLE, schemaFor(opts.dimension), { mode: "create", existOk: true });
    const index = new LanceVectorIndex(conn, table, opts);
    index.mismatch = mismatch;
    if (!mismatch) index.maintain();
    return index;
  }

  /**
   * Background upkeep after writes: compaction (each write adds a fragment), and an ANN index once the table
   * is large enough for brute force to cost (rows added later are searched exactly until the next optimize
   * folds them into the index).
   */
  private maintain(): void {
    this.writes = this.writes
      .then(async () => {
        const minRows = this.opts.annMinRows ?? DEFAULT_ANN_MIN_ROWS;
        if (minRows > 0 && !this.annReady) {
          const indices = await this.table.listIndices();
          const has = (column: string) => indices.some((i) => i.columns.includes(column));
          if (has("vector") || (await this.table.countRows()) >= minRows) {
            if (!has("vector")) await this.table.createIndex("vector", { config: lancedb.Index.hnswSq({ distanceType: "cosine" }) });
            if (!has("document_id")) await this.table.createIndex("document_id");
            // Every query prefilters by tenant: a bitmap index makes that filter cheap (7.5 -> 5.4 ms at 50k rows).
            if (!has("tenant_id")) await this.table.createIndex("tenant_id", { config: lancedb.Index.bitmap() });
            this.annReady = true;
          }
        }
      })
      .catch((e) => console.error(`vector index upkeep failed: ${(e as Error).message}`));
  }

  get embedderId(): string {
    return this.opts.embedderId;
  }

  async upsert(rows: VectorRow[]): Promise<void> {
    this.assertUsable();
    if (!rows.length) return;
    for (const r of rows) {
      if (r.vector.length !== this.opts.dimension) {
        throw errors.internal("VECTOR_DIMENSION", `vector for chunk ${r.id} has ${r.vector.length} dimensions, index has ${this.opts.dimension}`);
      }
    }
    const data = rows.map((r) => ({
      id: r.id,
      tenant_id: r.tenantId,
      document_id: r.documentId,
      version: r.version,
      doc_type: r.docType,
      source: r.source,
      tags: encodeTags(r.tags),
      vector: Array.from(r.vector),
    }));
    await this.serialized(async () => {
      // Chunk ids are unique per version, so a re-run of the same write replaces rather than duplicates.
      await this.table.delete(`id IN (${rows.map((r) => quote(r.id)).join(", ")})`);
      await this.table.add(data);
    });
  }

  async search(vector: Float32Array, k: number, filter: IndexFilter): Promise<IndexHit[]> {
    this.assertUsable();
    if (vector.length !== this.opts.dimension) {
      throw errors.internal("VECTOR_DIMENSION", `query vector has ${vector.length} dimensions, index has ${this.opts.dimension}`);
    }
    const rows = await this.table
      .vectorSearch(Array.from(vector))
      .distanceType("cosine")
      .where(filterToSql(filter))
      .select(["id", "document_id", "version", "_distance"])
      .limit(k)
      .toArray();
    return rows.map((r: { id: string; document_id: string; version: number; _distance: number }) => ({
      id: r.id,
      documentId: r.document_id,
      version: Number(r.version),
      score: 1 - Number(r._distance),
    }));
  }

  async remove(sel: DocumentSelector): Promise<void> {
    this.assertUsable();
    let where = `tenant_id = ${quote(sel.tenantId)} AND document_id = ${quote(sel.documentId)}`;
    if (sel.versions) {
      if (!sel.versions.length) return;
      where += ` AND version IN (${sel.versions.map((v) => Math.trunc(v)).join(", ")})`;
    }
    if (sel.exceptVersion !== undefined) where += ` AND version <> ${Math.trunc(sel.exceptVersion)}`;
    await this.serialized(() => this.table.delete(where));
  }

  async rows(of?: { tenantId: string; documentId: string }): Promise<VectorRow[]> {
    this.assertUsable();
    let q = this.table.query();
    if (of) q = q.where(`tenant_id = ${quote(of.tenantId)} AND document_id = ${quote(of.documentId)}`);
    return (await q.select(["id", "tenant_id", "document_id", "version", "doc_type", "source", "tags", "vector"]).toArray()).map(rowOf);
  }

  /** Another process wrote to the shared table: read its latest version. */
  async refresh(): Promise<void> {
    this.assertUsable();
    await this.table.checkoutLatest();
  }

  async count(tenantId?: string): Promise<number> {
    return this.table.countRows(tenantId === undefined ? undefined : `tenant_id = ${quote(tenantId)}`);
  }

  /** Keeps only rows whose (document, version) is live; returns how many rows were removed. */
  async retainOnly(tenantId: string, live: Map<string, number>): Promise<number> {
    this.assertUsable();
    const rows = await this.table
      .query()
      .where(`tenant_id = ${quote(tenantId)}`)
      .select(["document_id", "version"])
      .toArray();
    const stale = new Map<string, Set<number>>();
    for (const r of rows as { document_id: string; version: number }[]) {
      if (live.get(r.document_id) === Number(r.version)) continue;
      const s = stale.get(r.document_id) ?? new Set<number>();
      s.add(Number(r.version));
      stale.set(r.document_id, s);
    }
    let removed = 0;
    for (const [documentId, versions] of stale) {
      removed += rows.filter((r: { document_id: string }) => r.document_id === documentId).length;
      await this.remove({ tenantId, documentId, versions: live.has(documentId) ? [...versions] : undefined });
    }
    return removed;
  }

  async close(): Promise<void> {
    await this.writes.catch(() => {});
    this.table.close();
    this.conn.close();
  }

  private assertUsable(): void {
    if (this.mismatch) throw this.mismatch;
  }

  /** LanceDB commits are optimistic; one writer per process avoids conflict retries. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn, fn);
    this.writes = run.catch(() => {});
    return run.then(async (v) => {
      if (++this.writesSinceOptimize >= (this.opts.optimizeEvery ?? 50)) {
        this.writesSinceOptimize = 0;
        this.writes = this.writes.then(() => this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) })).catch(() => {});
        this.maintain();
      }
      return v;
    });
  }
}

interface StoredRow {
  id: string;
  tenant_id: string;
  document_id: string;
  version: number;
  doc_type: string;
  source: string;
  tags: string;
  vector: ArrayLike<number>;
}

/** A row as LanceDB returns it, as a VectorRow. */
const rowOf = (r: StoredRow): VectorRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  documentId: r.document_id,
  version: Number(r.version),
  docType: r.doc_type,
  source: r.source,
  tags: decodeTags(r.tags),
  vector: Float32Array.from(r.vector),
});

function schemaFor(dimension: number): Schema {
  return new Schema([
    new Field("id", new Utf8(), false),
    new Field("tenant_id", new Utf8(), false),
    new Field("document_id", new Utf8(), false),
    new Field("version", new Int32(), false),
    new Field("doc_type", new Utf8(), false),
    new Field("source", new Utf8(), false),
    new Field("tags", new Utf8(), false),
    new Field("vector", new FixedSizeList(dimension, new Field("item", new Float32(), true)), false),
  ]);
}
