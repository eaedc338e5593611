/**
 * The graph as a ChunkIndex in the ingestion list: each version's chunks are extracted (deterministic rules; the
 * extractor is a function, so a model-based one can replace it), names resolved to the tenant's entities, and the version's
 * mentions and relations written to the GraphStore. Removal is by version like every index (the store counts
 * references, so shared entities stay). The communities the change touched are refreshed after commit and after
 * removal, in the background, one refresh at a time per process (`idle()` waits for them).
 */
import type { ChunkIndex, VersionBatch } from "../core/ports/chunk-index";
import type { GraphBatch, GraphStore } from "../core/ports/graph-store";
import type { Communities } from "./communities";
import type { EntityResolver } from "./entity-resolver";
import { extractEntities, type ChunkExtraction, type Gazetteer } from "./extract-entities";

/** Extraction of one chunk (the rules below by default). */
export type ChunkExtractor = (chunk: { text: string; sectionPath: string[]; title: string }, gazetteer: Gazetteer, signal?: AbortSignal) => Promise<ChunkExtraction> | ChunkExtraction;

export const ruleExtractor: ChunkExtractor = (c, gazetteer) => extractEntities(c, { gazetteer });

export interface GraphChunkIndexOptions {
  store: GraphStore;
  resolver: EntityResolver;
  communities?: Communities;
  extract?: ChunkExtractor;
  log?: (line: string) => void;
}

const yieldThread = () => new Promise<void>((r) => setImmediate(r));
const SLICE = 200;

export class GraphChunkIndex implements ChunkIndex {
  readonly name = "graph";
  /** Entities touched by written versions not yet committed, per document. */
  private readonly pending = new Map<string, Set<string>>();
  private refreshing: Promise<void> = Promise.resolve();
  /** Community refreshes that failed (health shows them). */
  failures = 0;
  /** Chunks the extractor failed on (left out of the graph). */
  extractionFailures = 0;

  constructor(private readonly o: GraphChunkIndexOptions) {}

  /** Extracts and resolves one version without writing it (the benchmark measures this alone). */
  async extract(b: VersionBatch, signal?: AbortSignal): Promise<GraphBatch> {
    const known = await this.o.resolver.known(b.tenantId);
    const extract = this.o.extract ?? ruleExtractor;
    const perChunk: { chunkId: string; x: ChunkExtraction }[] = [];
    for (let i = 0; i < b.chunks.length; i += SLICE) {
      signal?.throwIfAborted();
      for (const c of b.chunks.slice(i, i + SLICE)) {
        try {
          perChunk.push({ chunkId: c.id, x: await extract({ text: c.text, sectionPath: c.sectionPath, title: b.title }, known, signal) });
        } catch (e) {
          if (signal?.aborted) throw e;
          // One chunk the extractor cannot read leaves it out of the graph; the document is still ingested.
          this.extractionFailures++;
          this.o.log?.(`graph: extraction failed for chunk ${c.id}: ${(e as Error).message}`);
        }
      }
      await yieldThread();
    }
    const names = perChunk.flatMap(({ x }) => x.mentions.map((m) => ({ name: m.name, type: m.type, aliases: m.aliases })));
    const resolved = await this.o.resolver.resolve(b.tenantId, names, signal);
    const entities = new Map<string, GraphBatch["entities"][number]>();
    const mentions = new Map<string, { entityId: string; chunkId: string }>();
    const relations = new Map<string, GraphBatch["relations"][number]>();
    for (const { chunkId, x } of perChunk) {
      for (const m of x.mentions) {
        const e = resolved.get(m.name);
        if (!e) continue;
        const prev = entities.get(e.id);
        entities.set(e.id, { id: e.id, name: e.name, type: e.type, aliases: [...new Set([...(prev?.aliases ?? []), ...e.aliases])] });
        mentions.set(`${e.id}\u0000${chunkId}`, { entityId: e.id, chunkId });
      }
      for (const r of x.relations) {
        const s = resolved.get(r.source);
        const t = resolved.get(r.target);
        if (!s || !t || s.id === t.id) continue;
        relations.set(`${s.id}\u0000${t.id}\u0000${r.type}\u0000${chunkId}`, { source: s.id, target: t.id, type: r.type, chunkId });
      }
    }
    return { tenantId: b.tenantId, documentId: b.documentId, version: b.version, entities: [...entities.values()], mentions: [...mentions.values()], relations: [...relations.values()] };
  }

  async write(b: VersionBatch, w: { signal?: AbortSignal } = {}): Promise<void> {
    const batch = await this.extract(b, w.signal);
    w.signal?.throwIfAborted();
    await this.o.store.write(batch);
    this.pending.set(`${b.tenantId}\u0000${b.documentId}\u0000${b.version}`, new Set(batch.entities.map((e) => e.id)));
  }

  async commit(ref: { tenantId: string; documentId: string; version: number }): Promise<void> {
    const key = `${ref.tenantId}\u0000${ref.documentId}\u0000${ref.version}`;
    const touched = this.pending.get(key);
    this.pending.delete(key);
    if (touched) this.refresh(ref.tenantId, [...touched]);
  }

  async remove(sel: Parameters<ChunkIndex["remove"]>[0]): Promise<void> {
    for (const k of this.pending.keys()) if (k.startsWith(`${sel.tenantId}\u0000${sel.documentId}\u0000`) && (!sel.versions || sel.versions.includes(Number(k.split("\u0000")[2])))) this.pending.delete(k);
    const touched = await this.o.store.remove(sel);
    // removed entities must not be matched any more: the tenant's names are re-read on next use
    this.o.resolver.forget(sel.tenantId);
    if (touched.length) this.refresh(sel.tenantId, touched);
  }

  /** Resolves when every community refresh queued so far has finished. */
  idle(): Promise<void> {
    return this.refreshing;
  }

  private refresh(tenantId: string, touched: string[]): void {
    const communities = this.o.communities;
    if (!communities) return;
    this.refreshing = this.refreshing
      .then(async () => void (await communities.refresh(tenantId, touched)))
      .catch((e) => {
        this.failures++;
        this.o.log?.(`graph: community refresh failed for tenant ${tenantId}: ${(e as Error).message}`);
      });
  }
}
