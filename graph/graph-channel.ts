/**
 * The graph retrieval channel. Local mode: the entities the question names (known names and aliases by key,
 * abbreviations, codes, and with the sentence encoder near-duplicate names) are the seeds; their k-hop
 * neighbourhood (typed paths) gives entities, and the chunks that mention them are ranked by the sum over their
 * entities of rarity (idf of the entity's mentions) x hop decay x path type, boosted when a chunk is reached from
 * two different seeds (the join of two documents). Global mode, for broad questions ("across products", "all",
 * "which of your ...") or when no entity matched: the communities whose summaries share the question's words, and
 * the chunks that state their relations. Each hit carries the path that found it.
 */
import type { Embedder } from "../core/ports/embedder";
import { cosine } from "../core/numeric";
import type { IndexFilter } from "../core/ports/filters";
import type { GraphNeighbour, GraphStore } from "../core/ports/graph-store";
import type { RetrievalChannel } from "../core/ports/retrieval";
import type { ActiveChunk, ActiveChunkReader } from "../core/ports/store";
import type { Communities } from "./communities";
import { entityKey } from "./entity-key";
import type { EntityResolver, KnownEntity } from "./entity-resolver";
import { extractEntities, gazetteerMatches } from "./extract-entities";

export interface GraphChannelOptions {
  store: GraphStore;
  resolver: EntityResolver;
  chunks: ActiveChunkReader;
  communities?: Communities;
  encoder?: Embedder;
  hops?: number;
  /** Cosine for an encoder match of a question phrase to an entity name (default 0.85). */
  encoderMatch?: number;
}

/** Generic English cues of a question about many things at once (not fitted to any question set). */
const BROAD = /\b(all|every|any|across|each|overall|in general|compare|comparison|which (?:of )?(?:your|the)|what (?:kinds?|types?|sorts?)|list)\b/i;
const HOP_DECAY = [1, 0.5, 0.25, 0.12, 0.06];
const PATH_FACTOR: Record<string, number> = { related_to: 0.6, topic_of: 0.8, has: 0.8 };

export interface GraphHit {
  id: string;
  score: number;
  evidence: string;
}

export class GraphChannel implements RetrievalChannel {
  readonly name = "graph";

  constructor(private readonly o: GraphChannelOptions) {}

  /** The entities a question names. */
  async questionEntities(tenantId: string, question: string, signal?: AbortSignal): Promise<KnownEntity[]> {
    const known = await this.o.resolver.known(tenantId);
    const found = new Map<string, KnownEntity>();
    for (const m of gazetteerMatches(question, known)) {
      const e = known.lookup(entityKey(m.name));
      if (e) found.set(e.id, e);
    }
    const unmatched: string[] = [];
    for (const m of extractEntities({ text: question, sectionPath: [] }).mentions) {
      const e = known.lookup(entityKey(m.name)) ?? known.acronym(m.name);
      if (e) found.set(e.id, e);
      else if (m.type !== "time_span") unmatched.push(m.name);
    }
    if (this.o.encoder && unmatched.length) {
      const cands = new Map(unmatched.map((n) => [n, known.sharingWords(n, 20)]));
      const names = [...new Set([...unmatched, ...[...cands.values()].flat().map((c) => c.name)])];
      if (names.length > unmatched.length) {
        const vs = await this.o.encoder.embed(names, signal);
        const v = new Map(names.map((n, i) => [n, vs[i]!]));
        for (const n of unmatched) {
          for (const c of cands.get(n) ?? []) if (cosine(v.get(n)!, v.get(c.name)!) >= (this.o.encoderMatch ?? 0.85)) found.set(c.id, c);
        }
      }
    }
    return [...found.values()];
  }

  async search(query: string, k: number, filter: IndexFilter, signal?: AbortSignal): Promise<GraphHit[]> {
    const tenantId = filter.tenantId;
    const seeds = await this.questionEntities(tenantId, query, signal);
    const local = seeds.length ? await this.local(tenantId, seeds.map((s) => s.id), k * 3) : [];
    const hits = new Map(local.map((h) => [h.id, h]));
    if (this.o.communities && (!seeds.length || BROAD.test(query))) {
      const top = await this.o.communities.search(tenantId, query, 2);
      const floor = local.length ? Math.min(...local.map((h) => h.score)) : 1;
      let rank = 0;
      for (const { community } of top) {
        for (const id of community.chunkIds) {
          if (hits.has(id)) continue;
          hits.set(id, { id, score: floor / (2 + rank++), evidence: `community: ${community.title}` });
        }
      }
    }
    const ranked = [...hits.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    return (await this.filtered(tenantId, ranked, filter)).slice(0, k);
  }

  private async local(tenantId: string, seeds: string[], max: number): Promise<GraphHit[]> {
    const known = await this.o.resolver.known(tenantId);
    const total = Math.max(known.size, 1);
    const hood = await this.o.store.neighbourhood(tenantId, { seeds, hops: this.o.hops ?? 2, limit: 200, chunksPerEntity: 30 });
    const byChunk = new Map<string, { score: number; seeds: Set<string>; best?: { w: number; n: GraphNeighbour } }>();
    const name = new Map(hood.map((n) => [n.entity.id, n.entity.name]));
    for (const n of hood) {
      const idf = Math.log(1 + total / Math.max(1, n.entity.mentions));
      const pathFactor = n.path.reduce((f, s) => f * (PATH_FACTOR[s.type] ?? 1), 1);
      const w = idf * (HOP_DECAY[n.hops] ?? 0.05) * pathFactor;
      const seed = n.path[0]?.from ?? n.entity.id;
      for (const c of n.chunkIds) {
        let e = byChunk.get(c);
        if (!e) byChunk.set(c, (e = { score: 0, seeds: new Set() }));
        e.score += w;
        e.seeds.add(seed);
        if (!e.best || w > e.best.w) e.best = { w, n };
      }
    }
    const pathText = (n: GraphNeighbour) =>
      n.path.length ? [name.get(n.path[0]!.from) ?? n.path[0]!.from, ...n.path.map((s) => `-${s.type}- ${name.get(s.to) ?? s.to}`)].join(" ") : n.entity.name;
    return [...byChunk.entries()]
      .map(([id, e]) => ({ id, score: e.score * (1 + 0.5 * (e.seeds.size - 1)), evidence: pathText(e.best!.n) }))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, Math.max(max, 1));
  }

  /** The metadata filters the other channels apply in their indexes, applied to the graph's chunks. */
  private async filtered(tenantId: string, hits: GraphHit[], f: IndexFilter): Promise<GraphHit[]> {
    if (!f.docTypes?.length && !f.sources?.length && !f.tags?.length && !f.documentIds?.length) return hits;
    const chunks = new Map((await this.o.chunks.activeChunks(tenantId, hits.map((h) => h.id))).map((c) => [c.id, c]));
    const ok = (c: ActiveChunk | undefined) =>
      !!c &&
      (!f.docTypes?.length || f.docTypes.includes(c.docType)) &&
      (!f.sources?.length || f.sources.includes(c.source)) &&
      (!f.documentIds?.length || f.documentIds.includes(c.documentId)) &&
      (!f.tags?.length || f.tags.every((t) => c.tags.includes(t)));
    return hits.filter((h) => ok(chunks.get(h.id)));
  }
}
