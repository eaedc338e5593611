/**
 * The heading channel's index: the sentence encoder's vectors of every section's *key text* (its deepest heading,
 * or the document title where there is none: an FAQ entry's question, a manual's "7.1 The laptop won't turn
 * on"), matched against the query's vector. Real questions are short and paraphrased ("my laptop is dead" for
 * "The laptop won't turn on"); a neural encoder matches them to a heading where BM25 and GloVe/SIF over long
 * passages do not, and headings are few, so only they pay the encoder's cost (~3 ms a text in batches), not
 * every passage (~90 ms for 100 words).
 *
 * One entry per (document version, key text), pointing at the chunks under it in document order; a hit returns
 * those chunks with the entry's cosine. Like the keyword index it lives in memory, is rebuilt from the chunk table
 * at start and is kept in step with other replicas by index sync (it takes the same KeywordDoc rows).
 */
import type { Embedder } from "../ports/embedder";
import type { DocumentSelector, IndexFilter, IndexHit, IndexedChunkMeta } from "../ports/filters";
import type { KeywordDoc } from "../ports/keyword-index";
import { MemoryVectorIndex } from "./memory-vector-index";

/** Leading section numbers ("7.1", "3.", "A.2)") carry no meaning for the encoder. */
const SECTION_NUMBER = /^\s*(?:[\dA-Z]{1,3}[.)])+(?:\d+[.)]?)*\s+/;

/** The text a chunk's section is known by: its deepest heading that is not the title, else the title. */
export function keyTextOf(doc: Pick<KeywordDoc, "title" | "section">): string {
  const path = doc.section
    .split(" > ")
    .map((s) => s.trim())
    .filter((s) => s && s !== doc.title.trim());
  const key = path.length ? path[path.length - 1]! : doc.title;
  return key.replace(SECTION_NUMBER, "").trim() || key.trim();
}

interface Entry {
  meta: IndexedChunkMeta;
  chunkIds: string[];
}

export interface HeadingSearchOptions {
  /** Entries looked at per requested chunk (default 2: sections usually hold one or two chunks). */
  entriesPerHit?: number;
  /**
   * Up to this many entries (default HEADING_FULL_SCAN_MAX) a query is compared with every entry; above it, only
   * with the entries of the other channels' candidates (a rerank), so the cost stays flat as the corpus grows.
   */
  fullScanMax?: number;
}

/**
 * An exact scan costs ~0.5 us per 512-d entry on the API thread: 2,000 entries ~1 ms a query. At 5,000 the
 * heading channel cut POST /v1/search throughput to a third, at 200,000 a query took 175 ms (bench/search-latency.ts);
 * above this many entries the channel reranks candidates instead.
 */
export const HEADING_FULL_SCAN_MAX = 2000;
/** Rows per background add (their distinct key texts go to the encoder together). */
const DRAIN_BATCH = 2048;

export class HeadingIndex {
  private readonly vectors: MemoryVectorIndex;
  private readonly entries = new Map<string, Entry>();
  /** Entry ids by "tenant\0document", for removal. */
  private readonly byDocument = new Map<string, Set<string>>();
  /** Entry id by chunk id, for the rerank mode. */
  private readonly entryOfChunk = new Map<string, string>();
  /** Background writes (enqueue): rows waiting, and the drain that encodes them in large batches. */
  private buffer: KeywordDoc[] = [];
  private draining?: Promise<void>;
  /** Removals seen while adds were encoding, so an add never brings back a version removed meanwhile. */
  private removals: { sel: DocumentSelector; at: number }[] = [];
  private clock = 0;
  private adding = 0;

  constructor(
    private readonly encoder: Embedder,
    private readonly o: HeadingSearchOptions = {},
  ) {
    this.vectors = new MemoryVectorIndex(encoder.dimension);
  }

  /** Chunks that could not be indexed (the encoder failed), and the last error; reset by clear(). */
  readonly misses = { chunks: 0, lastError: undefined as string | undefined };

  private recordMiss(chunks: number, e: unknown): void {
    this.misses.chunks += chunks;
    this.misses.lastError = (e as Error)?.message ?? String(e);
  }

  /** Sections (entries) held, and the chunks under them. */
  get size(): { entries: number; chunks: number } {
    let chunks = 0;
    for (const e of this.entries.values()) chunks += e.chunkIds.length;
    return { entries: this.entries.size, chunks };
  }

  /**
   * Adds in the background, after the writes queued before (ingestion does not wait for the encoder); a failure is
   * a counted miss. `idle()` resolves when every queued write is done.
   */
  enqueue(docs: KeywordDoc[]): void {
    if (!docs.length) return;
    this.buffer.push(...docs);
    // Rows of every document queued meanwhile go in one add: one encoder call per batch, not per document (a
    // call has ~15 ms of fixed CPU cost, which per small document slowed ingestion by a third).
    this.draining ??= (async () => {
      while (this.buffer.length) {
        const take = this.buffer.splice(0, DRAIN_BATCH);
        await this.add(take).catch((e) => this.recordMiss(take.length, e));
      }
    })().finally(() => (this.draining = undefined));
  }

  /** Resolves when the writes queued so far are done. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async add(docs: KeywordDoc[], signal?: AbortSignal): Promise<void> {
    if (!docs.length) return;
    const started = ++this.clock;
    this.adding++;
    try {
      await this.addSince(docs, started, signal);
    } finally {
      if (--this.adding === 0) this.removals = [];
    }
  }

  private async addSince(docs: KeywordDoc[], started: number, signal?: AbortSignal): Promise<void> {
    const fresh = new Map<string, { key: string; docs: KeywordDoc[] }>();
    const more = new Map<string, string[]>(); // chunks of sections already held
    for (const d of docs) {
      const key = keyTextOf(d);
      const id = entryId(d, key);
      if (this.entries.has(id)) {
        const list = more.get(id);
        if (list) list.push(d.id);
        else more.set(id, [d.id]);
        continue;
      }
      const f = fresh.get(id) ?? { key, docs: [] };
      f.docs.push(d);
      fresh.set(id, f);
    }
    for (const [id, chunkIds] of more) this.attach(id, this.entries.get(id)!, chunkIds);
    if (!fresh.size) return;
    const ids = [...fresh.keys()];
    const vecs = await this.encoder.embed(
      ids.map((id) => fresh.get(id)!.key),
      signal,
    );
    const rows = ids.map((id, i) => {
      const first = fresh.get(id)!.docs[0]!;
      const meta: IndexedChunkMeta = { id, tenantId: first.tenantId, documentId: first.documentId, version: first.version, docType: first.docType, source: first.source, tags: first.tags };
      return { meta, vector: vecs[i]!, chunkIds: fresh.get(id)!.docs.map((d) => d.id) };
    });
    for (const r of rows) {
      // Removed while it was being encoded (a failed or superseded ingest): not brought back.
      if (this.removals.some((x) => x.at > started && selects(x.sel, r.meta))) continue;
      // Added meanwhile by another call for the same document: its chunks join that entry.
      let entry = this.entries.get(r.meta.id);
      if (!entry) {
        this.entries.set(r.meta.id, (entry = { meta: r.meta, chunkIds: [] }));
        const dk = docKey(r.meta);
        let set = this.byDocument.get(dk);
        if (!set) this.byDocument.set(dk, (set = new Set()));
        set.add(r.meta.id);
        this.vectors.put([{ ...r.meta, vector: r.vector }]);
      }
      this.attach(r.meta.id, entry, r.chunkIds);
    }
  }

  /** Puts chunks under an entry (once each) and records which entry each chunk is under. */
  private attach(id: string, entry: Entry, chunkIds: readonly string[]): void {
    const have = new Set(entry.chunkIds);
    for (const c of chunkIds) {
      if (!have.has(c)) entry.chunkIds.push(c), have.add(c);
      this.entryOfChunk.set(c, id);
    }
  }

  /** True when a query is compared with every entry; false when only the candidates' entries (rerank mode). */
  get fullScan(): boolean {
    return this.entries.size <= (this.o.fullScanMax ?? HEADING_FULL_SCAN_MAX);
  }

  /**
   * Entries nearest the query, expanded to their chunks. In rerank mode (above fullScanMax entries) only the
   * entries of `candidates` are compared (none without candidates).
   */
  async search(query: string, k: number, filter: IndexFilter, signal?: AbortSignal, candidates?: Promise<string[]>): Promise<IndexHit[]> {
    if (k <= 0 || !this.entries.size) return [];
    const [v] = await this.encoder.embed([query], signal);
    if (!v || !v.some((x) => x !== 0)) return [];
    const want = Math.max(1, Math.ceil(k * (this.o.entriesPerHit ?? 2)));
    const top = this.fullScan ? this.vectors.searchSync(v, want, filter) : this.rerank(v, (await candidates) ?? [], want);
    const out: IndexHit[] = [];
    for (const h of top) {
      const e = this.entries.get(h.id);
      if (!e) continue;
      for (const id of e.chunkIds) {
        out.push({ id, documentId: e.meta.documentId, version: e.meta.version, score: h.score });
        if (out.length >= k) return out;
      }
    }
    return out;
  }

  private rerank(v: Float32Array, candidates: string[], want: number): IndexHit[] {
    const ids = new Set<string>();
    for (const c of candidates) {
      const e = this.entryOfChunk.get(c);
      if (e) ids.add(e);
    }
    // The candidates passed the tenant and metadata filters in their own channels.
    return this.vectors
      .scoreIds(v, [...ids])
      .sort((a, b) => b.score - a.score)
      .slice(0, want);
  }

  async remove(sel: DocumentSelector): Promise<void> {
    if (this.adding > 0) this.removals.push({ sel, at: ++this.clock });
    if (this.buffer.length) this.buffer = this.buffer.filter((d) => !selects(sel, d));
    const set = this.byDocument.get(`${sel.tenantId}\u0000${sel.documentId}`);
    if (!set) return;
    for (const id of [...set]) {
      const e = this.entries.get(id)!;
      if (sel.versions && !sel.versions.includes(e.meta.version)) continue;
      if (sel.exceptVersion !== undefined && e.meta.version === sel.exceptVersion) continue;
      for (const c of e.chunkIds) if (this.entryOfChunk.get(c) === id) this.entryOfChunk.delete(c);
      this.entries.delete(id);
      set.delete(id);
    }
    if (!set.size) this.byDocument.delete(`${sel.tenantId}\u0000${sel.documentId}`);
    this.vectors.delete(sel);
  }

  async count(tenantId?: string): Promise<number> {
    let n = 0;
    for (const e of this.entries.values()) if (tenantId === undefined || e.meta.tenantId === tenantId) n += e.chunkIds.length;
    return n;
  }

  clear(): void {
    this.misses.chunks = 0;
    this.misses.lastError = undefined;
    this.buffer = [];
    this.entries.clear();
    this.entryOfChunk.clear();
    this.byDocument.clear();
    this.vectors.clear();
  }
}

const docKey = (m: { tenantId: string; documentId: string }) => `${m.tenantId}\u0000${m.documentId}`;
const entryId = (d: KeywordDoc, key: string) => `h:${d.tenantId}\u0000${d.documentId}\u0000${d.version}\u0000${key}`;

function selects(sel: DocumentSelector, m: IndexedChunkMeta): boolean {
  if (m.tenantId !== sel.tenantId || m.documentId !== sel.documentId) return false;
  if (sel.versions && !sel.versions.includes(m.version)) return false;
  return sel.exceptVersion === undefined || m.version !== sel.exceptVersion;
}
