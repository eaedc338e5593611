/**
 * Exact cosine search over vectors held in one contiguous Float32Array. Used as the in-memory mirror of the
 * LanceDB table while it is small (each LanceDB query has a fixed cost of a few milliseconds, even on a hundred
 * rows; scanning 20,000 x 228 floats here takes about as long), and usable on its own (tests, ephemeral runs).
 * Rows are kept dense: removing one moves the last row into its slot.
 */
import { errors } from "../errors";
import type { DocumentSelector, IndexFilter, IndexHit, IndexedChunkMeta } from "../ports/filters";
import type { VectorIndex, VectorRow } from "../ports/vector-index";
import { matchesFilter } from "./filter-sql";
import { grow, MinHeap } from "./top-k";

export class MemoryVectorIndex implements VectorIndex {
  private data: Float32Array;
  private norms: Float32Array;
  private meta: IndexedChunkMeta[] = [];
  private readonly slotOf = new Map<string, number>();

  constructor(readonly dimension: number, initialCapacity = 1024) {
    this.data = new Float32Array(initialCapacity * dimension);
    this.norms = new Float32Array(initialCapacity);
  }

  get size(): number {
    return this.meta.length;
  }

  async upsert(rows: VectorRow[]): Promise<void> {
    this.put(rows);
  }

  /** Synchronous upsert (the mirror applies a write only after LanceDB accepted it). */
  put(rows: VectorRow[]): void {
    for (const r of rows) this.check(r.vector, `vector for chunk ${r.id}`);
    for (const r of rows) {
      let slot = this.slotOf.get(r.id);
      if (slot === undefined) {
        slot = this.meta.length;
        if ((slot + 1) * this.dimension > this.data.length) {
          this.data = grow(this.data, (slot + 1) * this.dimension);
          this.norms = grow(this.norms, slot + 1);
        }
        this.slotOf.set(r.id, slot);
        this.meta.push(metaOf(r));
      } else {
        this.meta[slot] = metaOf(r);
      }
      this.data.set(r.vector, slot * this.dimension);
      let n = 0;
      for (const x of r.vector) n += x * x;
      this.norms[slot] = Math.sqrt(n);
    }
  }

  async search(vector: Float32Array, k: number, filter: IndexFilter): Promise<IndexHit[]> {
    return this.searchSync(vector, k, filter);
  }

  searchSync(vector: Float32Array, k: number, filter: IndexFilter): IndexHit[] {
    this.check(vector, "query vector");
    let qn = 0;
    for (const x of vector) qn += x * x;
    qn = Math.sqrt(qn);
    if (!qn || k <= 0) return [];
    const { data, norms, meta, dimension: dim } = this;
    const plain = !filter.docTypes?.length && !filter.sources?.length && !filter.tags?.length && !filter.documentIds?.length;
    const heap = new MinHeap(k);
    for (let slot = 0, o = 0; slot < meta.length; slot++, o += dim) {
      const m = meta[slot]!;
      if (m.tenantId !== filter.tenantId || (!plain && !matchesFilter(m, filter))) continue;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += data[o + j]! * vector[j]!;
      const score = norms[slot] ? dot / (norms[slot]! * qn) : 0;
      if (heap.wouldAccept(score)) heap.push(slot, score);
    }
    return heap.sortedDesc().map(([slot, score]) => {
      const m = meta[slot]!;
      return { id: m.id, documentId: m.documentId, version: m.version, score };
    });
  }

  /** Cosine of the query to each listed row (unknown ids are skipped), unordered. */
  scoreIds(vector: Float32Array, ids: readonly string[]): IndexHit[] {
    this.check(vector, "query vector");
    let qn = 0;
    for (const x of vector) qn += x * x;
    qn = Math.sqrt(qn);
    const out: IndexHit[] = [];
    if (!qn) return out;
    const dim = this.dimension;
    for (const id of ids) {
      const slot = this.slotOf.get(id);
      if (slot === undefined) continue;
      let dot = 0;
      for (let j = 0, o = slot * dim; j < dim; j++) dot += this.data[o + j]! * vector[j]!;
      const m = this.meta[slot]!;
      out.push({ id: m.id, documentId: m.documentId, version: m.version, score: this.norms[slot] ? dot / (this.norms[slot]! * qn) : 0 });
    }
    return out;
  }

  async remove(sel: DocumentSelector): Promise<void> {
    this.delete(sel);
  }

  delete(sel: DocumentSelector): void {
    for (let slot = this.meta.length - 1; slot >= 0; slot--) {
      const m = this.meta[slot]!;
      if (m.tenantId !== sel.tenantId || m.documentId !== sel.documentId) continue;
      if (sel.versions && !sel.versions.includes(m.version)) continue;
      if (sel.exceptVersion !== undefined && m.version === sel.exceptVersion) continue;
      this.removeSlot(slot);
    }
  }

  async count(tenantId?: string): Promise<number> {
    return tenantId === undefined ? this.meta.length : this.meta.filter((m) => m.tenantId === tenantId).length;
  }

  clear(): void {
    this.meta = [];
    this.slotOf.clear();
  }

  private removeSlot(slot: number): void {
    const last = this.meta.length - 1;
    const gone = this.meta[slot]!;
    this.slotOf.delete(gone.id);
    if (slot !== last) {
      const moved = this.meta[last]!;
      this.meta[slot] = moved;
      this.slotOf.set(moved.id, slot);
      this.data.copyWithin(slot * this.dimension, last * this.dimension, (last + 1) * this.dimension);
      this.norms[slot] = this.norms[last]!;
    }
    this.meta.pop();
  }

  private check(v: Float32Array, what: string): void {
    if (v.length !== this.dimension) throw errors.internal("VECTOR_DIMENSION", `${what} has ${v.length} dimensions, index has ${this.dimension}`);
  }
}

const metaOf = (r: VectorRow): IndexedChunkMeta => ({
  id: r.id,
  tenantId: r.tenantId,
  documentId: r.documentId,
  version: r.version,
  docType: r.docType,
  source: r.source,
  tags: r.tags,
});
