/**
 * Hydrating retrieval hits (chunk text, offsets, document title...) is a database round trip per answer; with
 * PGlite it also runs on the API's only JS thread. Chunk ids name one version of one document
 * (`<document>:<version>:<ordinal>`), so a chunk row never changes and can be kept. What does change is which
 * version of a document is active: that is cached per document for `ttlMs` and then checked again (one small
 * query for all the documents of a request), and forgotten at once when this process commits or deletes a
 * version. Another replica's re-ingest or delete is therefore seen within `ttlMs`.
 */
import type { ActiveChunk } from "../ports/store";

export interface ChunkCacheOptions {
  /** How long a document's active version is trusted before it is read again; 0 disables the cache. */
  ttlMs: number;
  /** Most chunk rows kept (least recently used go first). */
  maxChunks: number;
}

export interface ChunkSource {
  /** Active chunks among `ids` (others are simply absent). */
  load(tenantId: string, ids: string[]): Promise<ActiveChunk[]>;
  /** Active version of each listed document; deleted documents are absent. */
  versions(tenantId: string, documentIds: string[]): Promise<Map<string, number>>;
}

const key = (tenantId: string, documentId: string) => `${tenantId}\u0000${documentId}`;

export class ChunkCache {
  private readonly chunks = new Map<string, ActiveChunk>();
  private readonly active = new Map<string, { version: number | null; at: number }>();
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

  async activeChunks(tenantId: string, ids: string[]): Promise<ActiveChunk[]> {
    if (this.opts.ttlMs <= 0) return this.source.load(tenantId, ids);
    const now = this.now();
    const epoch = this.epoch;
    const cached: ActiveChunk[] = [];
    const missing: string[] = [];
    const stale = new Set<string>();
    // The active version of each document as this request sees it.
    const seen = new Map<string, number | null>();
    for (const id of ids) {
      const c = this.chunks.get(id);
      if (!c || c.tenantId !== tenantId) {
        missing.push(id);
        continue;
      }
      cached.push(c);
      const a = this.active.get(key(tenantId, c.documentId));
      if (!a || now - a.at > this.opts.ttlMs) stale.add(c.documentId);
      else seen.set(c.documentId, a.version);
    }
    const [versions, loaded] = await Promise.all([
      stale.size ? this.source.versions(tenantId, [...stale]) : undefined,
      missing.length ? this.source.load(tenantId, missing) : [],
    ]);
    // Versions read here are kept for the next requests only if no commit or delete happened meanwhile.
    const keep = epoch === this.epoch;
    for (const documentId of stale) {
      const version = versions!.get(documentId) ?? null;
      seen.set(documentId, version);
      if (keep) this.active.set(key(tenantId, documentId), { version, at: now });
    }
    for (const c of loaded) {
      seen.set(c.documentId, c.version);
      const k = key(tenantId, c.documentId);
      if (keep && this.active.get(k)?.version !== c.version) this.active.set(k, { version: c.version, at: now });
    }
    const out: ActiveChunk[] = [];
    for (const c of cached) {
      if (seen.get(c.documentId) !== c.version) continue;
      // Refresh its place in the LRU order.
      this.chunks.delete(c.id);
      this.chunks.set(c.id, c);
      out.push(c);
    }
    for (const c of loaded) {
      this.chunks.set(c.id, c);
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
      this.chunks.set(c.id, c);
      this.active.set(key(c.tenantId, c.documentId), { version: c.version, at: now });
    }
  }

  /** A version of this document was committed or the document was deleted (by this process). */
  forget(tenantId: string, documentId: string): void {
    this.epoch++;
    this.active.delete(key(tenantId, documentId));
  }

  clear(): void {
    this.chunks.clear();
    this.active.clear();
  }
}
