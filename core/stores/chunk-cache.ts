/**
 * A cache in front of the relational store's ActiveChunkReader (a wrapper of the port, not part of the
 * repository). Hydrating retrieval hits (chunk text, offsets, document title...) is a database round trip per answer; with
 * PGlite it also runs on the API's only JS thread. Chunk ids name one version of one document
 * (`<document>:<version>:<ordinal>`), so a chunk row never changes and can be kept. What does change is which
 * version of a document is active: that is cached per document for `ttlMs` and then checked again (one small
 * query for all the documents of a request), and forgotten at once when this process commits or deletes a
 * version (the repository's onVersionChange, wired in open-stores) or index sync hears another replica did.
 * Another replica's re-ingest or delete is therefore seen within `ttlMs` even if its message is lost.
 * With ttlMs 0 every read goes to the source.
 *
 * When the source fails (the database is down), what is cached is still served, with the versions last read
 * (`stale` counts those reads); chunks that were never cached are missing from the answer. Only when nothing
 * requested is cached does the failure reach the caller.
 */
import type { ActiveChunk, ActiveChunkReader } from "../ports/store";

export interface ChunkCacheOptions {
  /** How long a document's active version is trusted before it is read again; 0 disables the cache. */
  ttlMs: number;
  /** Most chunk rows kept (approximately least recently used go first). */
  maxChunks: number;
}

export interface ChunkSource extends ActiveChunkReader {
  /** Active version of each listed document; deleted documents are absent. */
  activeVersions(tenantId: string, documentIds: string[]): Promise<Map<string, number>>;
}

interface Entry {
  chunk: ActiveChunk;
  /** Insertion number: the map's order is insertion order, oldest first, and eviction takes from the front. */
  seq: number;
}

export class ChunkCache implements ActiveChunkReader {
  private readonly chunks = new Map<string, Entry>();
  /** tenant -> document -> its active version as last read (null: deleted) and when. */
  private readonly active = new Map<string, Map<string, { version: number | null; at: number }>>();
  private seq = 0;
  /** Reads answered from memory alone because the source failed. */
  staleReads = 0;
  /** Bumped by forget(): what a request read before a commit must not be cached as fresh after it. */
  private epoch = 0;

  constructor(
    private readonly source: ChunkSource,
    private readonly opts: ChunkCacheOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.chunks.size;
  }

  private versionsOf(tenantId: string): Map<string, { version: number | null; at: number }> {
    let m = this.active.get(tenantId);
    if (!m) this.active.set(tenantId, (m = new Map()));
    return m;
  }

  private put(c: ActiveChunk): void {
    this.chunks.delete(c.id);
    this.chunks.set(c.id, { chunk: c, seq: ++this.seq });
  }

  async activeChunks(tenantId: string, ids: string[]): Promise<ActiveChunk[]> {
    if (!ids.length) return [];
    if (this.opts.ttlMs <= 0) return this.source.activeChunks(tenantId, ids);
    const now = this.now();
    const epoch = this.epoch;
    const active = this.versionsOf(tenantId);
    const cached: Entry[] = [];
    const missing: string[] = [];
    const stale = new Set<string>();
    // The active version of each document as this request sees it.
    const seen = new Map<string, number | null>();
    for (const id of ids) {
      const e = this.chunks.get(id);
      if (!e || e.chunk.tenantId !== tenantId) {
        missing.push(id);
        continue;
      }
      cached.push(e);
      const documentId = e.chunk.documentId;
      const a = active.get(documentId);
      if (!a || now - a.at > this.opts.ttlMs) stale.add(documentId);
      else seen.set(documentId, a.version);
    }
    let versions: Map<string, number> | undefined;
    let loaded: ActiveChunk[];
    try {
      [versions, loaded] = await Promise.all([
        stale.size ? this.source.activeVersions(tenantId, [...stale]) : undefined,
        missing.length ? this.source.activeChunks(tenantId, missing) : [],
      ]);
    } catch (e) {
      if (!cached.length) throw e;
      // The source is down: serve the cached chunks as last known (documents never seen active are left out).
      this.staleReads++;
      const out: ActiveChunk[] = [];
      for (const en of cached) {
        const known = active.get(en.chunk.documentId);
        if ((known ? known.version : null) === en.chunk.version) out.push(en.chunk);
      }
      if (!out.length) throw e;
      return out;
    }
    // Versions read here are kept for the next requests only if no commit or delete happened meanwhile.
    const keep = epoch === this.epoch;
    for (const documentId of stale) {
      const version = versions!.get(documentId) ?? null;
      seen.set(documentId, version);
      if (keep) active.set(documentId, { version, at: now });
    }
    for (const c of loaded) {
      seen.set(c.documentId, c.version);
      if (keep && active.get(c.documentId)?.version !== c.version) active.set(c.documentId, { version: c.version, at: now });
    }
    const out: ActiveChunk[] = [];
    // Approximate LRU: a hit moves to the back only once it is in the older half, so most hits cost nothing.
    const old = this.seq - this.opts.maxChunks / 2;
    for (const e of cached) {
      if (seen.get(e.chunk.documentId) !== e.chunk.version) continue;
      if (e.seq <= old) this.put(e.chunk);
      out.push(e.chunk);
    }
    for (const c of loaded) {
      this.put(c);
      out.push(c);
    }
    for (const id of this.chunks.keys()) {
      if (this.chunks.size <= this.opts.maxChunks) break;
      this.chunks.delete(id);
    }
    return out;
  }

  /**
   * Seeds the cache with chunks read as active just now (the start-up pass that rebuilds the keyword index), up
   * to maxChunks, so the first answers after a start do not each wait for the database.
   */
  prime(chunks: readonly ActiveChunk[]): void {
    if (this.opts.ttlMs <= 0) return;
    const now = this.now();
    for (const c of chunks) {
      if (this.chunks.size >= this.opts.maxChunks) return;
      this.put(c);
      this.versionsOf(c.tenantId).set(c.documentId, { version: c.version, at: now });
    }
  }

  /** A version of this document was committed or the document was deleted (here or on another replica). */
  forget(tenantId: string, documentId: string): void {
    this.epoch++;
    this.active.get(tenantId)?.delete(documentId);
  }

  clear(): void {
    this.chunks.clear();
    this.active.clear();
  }
}
