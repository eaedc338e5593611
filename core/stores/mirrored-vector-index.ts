/**
 * An exact in-memory mirror in front of a vector store (LanceDB), as a wrapper of the VectorIndex port: while
 * the store holds at most `maxRows` rows, searches are answered from a MemoryVectorIndex (LanceDB has a fixed
 * cost of a few milliseconds per query even on a hundred rows); the store stays the truth. Writes go to the
 * store first and reach the mirror only once the store accepted them. The mirror is loaded from the store when
 * the wrapper opens, and dropped for good once the store outgrows it (the store's ANN index takes over).
 * refreshDocument() makes another replica's writes visible: the store's latest version, and that document's
 * rows reloaded into the mirror.
 */
import type { DocumentSelector, IndexFilter, IndexHit } from "../ports/filters";
import type { SharedVectorIndex, VectorRow, VectorSource } from "../ports/vector-index";
import { MemoryVectorIndex } from "./memory-vector-index";

export interface MirrorOptions {
  dimension: number;
  /** Mirror while the store has at most this many rows; 0 never mirrors. */
  maxRows: number;
  /** Name in /v1/health (default "lancedb"). */
  kind?: string;
  /** Why the store cannot be used; every call then fails with it. */
  problem?: Error & { code?: string };
}

export class MirroredVectorIndex implements SharedVectorIndex {
  private mirror?: MemoryVectorIndex;

  private constructor(
    private readonly store: VectorSource,
    private readonly o: MirrorOptions,
  ) {}

  static async open(store: VectorSource, o: MirrorOptions): Promise<MirroredVectorIndex> {
    const m = new MirroredVectorIndex(store, o);
    if (!o.problem && o.maxRows > 0 && (await store.count()) <= o.maxRows) {
      const mirror = new MemoryVectorIndex(o.dimension);
      mirror.put(await store.rows());
      m.mirror = mirror;
    }
    return m;
  }

  /** Whether searches are answered from process memory. */
  get mirrored(): boolean {
    return this.mirror !== undefined;
  }

  private apply(fn: (m: MemoryVectorIndex) => void): void {
    if (!this.mirror) return;
    fn(this.mirror);
    if (this.mirror.size > this.o.maxRows) this.mirror = undefined;
  }

  private check(): void {
    if (this.o.problem) throw this.o.problem;
  }

  async upsert(rows: VectorRow[]): Promise<void> {
    await this.store.upsert(rows);
    this.apply((m) => m.put(rows));
  }

  async search(vector: Float32Array, k: number, filter: IndexFilter): Promise<IndexHit[]> {
    this.check();
    if (this.mirror && vector.length === this.o.dimension) return this.mirror.searchSync(vector, k, filter);
    return this.store.search(vector, k, filter);
  }

  async remove(selector: DocumentSelector): Promise<void> {
    await this.store.remove(selector);
    this.apply((m) => m.delete(selector));
  }

  async count(tenantId?: string): Promise<number> {
    return this.mirror ? this.mirror.count(tenantId) : this.store.count(tenantId);
  }

  async refreshDocument(tenantId: string, documentId: string): Promise<void> {
    this.check();
    await this.store.refresh();
    if (!this.mirror) return;
    const rows = await this.store.rows({ tenantId, documentId });
    this.apply((m) => {
      m.delete({ tenantId, documentId });
      m.put(rows);
    });
  }

  async status() {
    return { kind: this.o.kind ?? "lancedb", rows: this.o.problem ? 0 : await this.count(), inMemoryMirror: this.mirrored, ...(this.o.problem ? { problem: this.o.problem } : {}) };
  }
}
