/**
 * KeywordIndex with Okapi BM25 over typed-array posting lists and top-k selection, one index per tenant in each
 * replica (rebuilt from the chunk table at start, updated on ingest and delete).
 *
 * Why not MiniSearch (the stack's default keyword library, still available as KEYWORD_INDEX=minisearch):
 * MiniSearch builds a result object for every matching document, so a query with a common word ("order") over
 * 50,000 chunks costs ~90 ms of the single JS thread and caps a replica at ~10 searches/s (BENCHMARKS.md). Here a
 * query costs one pass over the query terms' postings into a dense score array, then a bounded heap.
 *
 * Fields (title 2, section 1.5, text 1) are scored separately, each with its own document frequency, average
 * length and saturation, and summed with their weights (an optional BM25+ delta is off by default: it lost
 * nDCG on StackFAQ). Per-field counts are packed into one 32-bit value per posting (8/8/16 bits).
 */
import type { DocumentSelector, IndexFilter, IndexHit, IndexedChunkMeta } from "../ports/filters";
import type { KeywordDoc, KeywordIndex } from "../ports/keyword-index";
import { stem } from "../text/stem";
import { STOP_WORDS, tokenize } from "../text/tokenize";
import { matchesFilter } from "./filter-sql";
import { grow, MinHeap } from "./top-k";

const FIELDS = ["title", "section", "text"] as const;
const WEIGHTS = [2, 1.5, 1];
const pack = (t: number, s: number, x: number) => ((Math.min(t, 255) << 24) | (Math.min(s, 255) << 16) | Math.min(x, 65535)) >>> 0;

export interface Bm25Options {
  k1?: number;
  b?: number;
  /** BM25+ lower bound: every matching term adds at least idf*delta (rewards matching more query terms). */
  delta?: number;
}

interface Postings {
  slots: Int32Array;
  tfs: Uint32Array;
  n: number;
  /** Live documents containing the term, per field [title, section, text]. */
  df: [number, number, number];
}

interface Doc extends IndexedChunkMeta {
  terms: Postings[];
  /** Packed per-field counts, aligned with `terms`. */
  packed: number[];
}

/** Index terms of a text: tokenised, stop words dropped, Porter-stemmed (codes kept verbatim). */
export function indexTerms(text: string): string[] {
  const out: string[] = [];
  for (const t of tokenize(text)) if (!STOP_WORDS.has(t)) out.push(stem(t));
  return out;
}

class TenantBm25 {
  private docs: (Doc | null)[] = [];
  /** Field lengths per slot: [title, section, text] at 3*slot. */
  private lens = new Float32Array(3 * 1024);
  private readonly fieldTotals = [0, 0, 0];
  private readonly slotOf = new Map<string, number>();
  private readonly terms = new Map<string, Postings>();
  private live = 0;
  private dead = 0;
  private scores = new Float32Array(1024);

  constructor(
    private readonly k1: number,
    private readonly b: number,
    private readonly delta: number,
  ) {}

  get size(): number {
    return this.live;
  }

  add(d: KeywordDoc): void {
    if (this.slotOf.has(d.id)) this.removeSlot(this.slotOf.get(d.id)!);
    const tf = new Map<string, [number, number, number]>();
    const len = [0, 0, 0];
    FIELDS.forEach((field, f) => {
      for (const term of indexTerms(d[field])) {
        let counts = tf.get(term);
        if (!counts) tf.set(term, (counts = [0, 0, 0]));
        counts[f]!++;
        len[f]!++;
      }
    });
    const slot = this.docs.length;
    if (3 * slot + 3 > this.lens.length) {
      this.lens = grow(this.lens, 3 * slot + 3);
      this.scores = new Float32Array(this.lens.length / 3);
    }
    const doc: Doc = { id: d.id, tenantId: d.tenantId, documentId: d.documentId, version: d.version, docType: d.docType, source: d.source, tags: d.tags, terms: [], packed: [] };
    for (const [term, [t, sec, x]] of tf) {
      let p = this.terms.get(term);
      if (!p) this.terms.set(term, (p = { slots: new Int32Array(4), tfs: new Uint32Array(4), n: 0, df: [0, 0, 0] }));
      if (p.n === p.slots.length) {
        p.slots = grow(p.slots, p.n + 1);
        p.tfs = grow(p.tfs, p.n + 1);
      }
      p.slots[p.n] = slot;
      const packed = pack(t, sec, x);
      p.tfs[p.n] = packed;
      p.n++;
      if (t) p.df[0]++;
      if (sec) p.df[1]++;
      if (x) p.df[2]++;
      doc.terms.push(p);
      doc.packed.push(packed);
    }
    this.docs.push(doc);
    for (let f = 0; f < 3; f++) {
      this.lens[3 * slot + f] = len[f]!;
      this.fieldTotals[f]! += len[f]!;
    }
    this.slotOf.set(d.id, slot);
    this.live++;
  }

  remove(match: (d: Doc) => boolean): void {
    for (let slot = 0; slot < this.docs.length; slot++) {
      const d = this.docs[slot];
      if (d && match(d)) this.removeSlot(slot);
    }
    // Dead postings cost time on every query that touches them: compact once they are a quarter of the index.
    if (this.dead > 1000 && this.dead > this.live / 3) this.compact();
  }

  search(query: string, k: number, filter: IndexFilter): IndexHit[] {
    if (!this.live) return [];
    const { k1, b, delta, lens } = this;
    const avg = this.fieldTotals.map((t) => t / this.live || 1);
    const touched: number[] = [];
    const scores = this.scores;
    for (const term of new Set(indexTerms(query))) {
      const p = this.terms.get(term);
      if (!p || !(p.df[0] || p.df[1] || p.df[2])) continue;
      const idf = p.df.map((df, f) => WEIGHTS[f]! * Math.log(1 + (this.live - df + 0.5) / (df + 0.5)));
      const { slots, tfs, n } = p;
      for (let i = 0; i < n; i++) {
        const slot = slots[i]!;
        if (this.docs[slot] === null) continue;
        const packed = tfs[i]!;
        const o = 3 * slot;
        const tfT = packed >>> 24;
        const tfS = (packed >>> 16) & 0xff;
        const tfX = packed & 0xffff;
        let score = 0;
        if (tfT) score += idf[0]! * (delta + (tfT * (k1 + 1)) / (tfT + k1 * (1 - b + (b * lens[o]!) / avg[0]!)));
        if (tfS) score += idf[1]! * (delta + (tfS * (k1 + 1)) / (tfS + k1 * (1 - b + (b * lens[o + 1]!) / avg[1]!)));
        if (tfX) score += idf[2]! * (delta + (tfX * (k1 + 1)) / (tfX + k1 * (1 - b + (b * lens[o + 2]!) / avg[2]!)));
        if (scores[slot] === 0) touched.push(slot);
        scores[slot]! += score;
      }
    }
    const plain = !filter.docTypes?.length && !filter.sources?.length && !filter.tags?.length && !filter.documentIds?.length;
    const heap = new MinHeap(k);
    for (const slot of touched) {
      const s = scores[slot]!;
      scores[slot] = 0;
      if (!heap.wouldAccept(s)) continue;
      if (!plain && !matchesFilter(this.docs[slot]!, filter)) continue;
      heap.push(slot, s);
    }
    return heap.sortedDesc().map(([slot, score]) => {
      const d = this.docs[slot]!;
      return { id: d.id, documentId: d.documentId, version: d.version, score };
    });
  }

  docsMatching(sel: DocumentSelector): (d: Doc) => boolean {
    return (d) =>
      d.documentId === sel.documentId &&
      (!sel.versions || sel.versions.includes(d.version)) &&
      (sel.exceptVersion === undefined || d.version !== sel.exceptVersion);
  }

  private removeSlot(slot: number): void {
    const d = this.docs[slot];
    if (!d) return;
    d.terms.forEach((p, i) => {
      const packed = d.packed[i]!;
      if (packed >>> 24) p.df[0]--;
      if ((packed >>> 16) & 0xff) p.df[1]--;
      if (packed & 0xffff) p.df[2]--;
    });
    this.docs[slot] = null;
    this.slotOf.delete(d.id);
    for (let f = 0; f < 3; f++) this.fieldTotals[f]! -= this.lens[3 * slot + f]!;
    this.live--;
    this.dead++;
  }

  /** Drops postings of removed documents (slots stay stable; dead slots are just no longer referenced). */
  private compact(): void {
    for (const [term, p] of this.terms) {
      let w = 0;
      for (let i = 0; i < p.n; i++) {
        if (this.docs[p.slots[i]!] === null) continue;
        p.slots[w] = p.slots[i]!;
        p.tfs[w] = p.tfs[i]!;
        w++;
      }
      p.n = w;
      if (!w) this.terms.delete(term);
    }
    this.dead = 0;
  }
}

export class Bm25KeywordIndex implements KeywordIndex {
  private readonly byTenant = new Map<string, TenantBm25>();
  private readonly k1: number;
  private readonly b: number;
  private readonly delta: number;

  constructor(opts: Bm25Options = {}) {
    this.k1 = opts.k1 ?? 1.2;
    this.b = opts.b ?? 0.75;
    this.delta = opts.delta ?? 0;
  }

  async add(docs: KeywordDoc[]): Promise<void> {
    for (const d of docs) {
      let t = this.byTenant.get(d.tenantId);
      if (!t) this.byTenant.set(d.tenantId, (t = new TenantBm25(this.k1, this.b, this.delta)));
      t.add(d);
    }
  }

  async search(query: string, k: number, filter: IndexFilter): Promise<IndexHit[]> {
    return this.byTenant.get(filter.tenantId)?.search(query, k, filter) ?? [];
  }

  async remove(sel: DocumentSelector): Promise<void> {
    const t = this.byTenant.get(sel.tenantId);
    t?.remove(t.docsMatching(sel));
  }

  async count(tenantId?: string): Promise<number> {
    if (tenantId !== undefined) return this.byTenant.get(tenantId)?.size ?? 0;
    let n = 0;
    for (const t of this.byTenant.values()) n += t.size;
    return n;
  }

  clear(): void {
    this.byTenant.clear();
  }
}
