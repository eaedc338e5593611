/**
 * The k-hop walk both GraphStore adapters share: from the seeds, one hop at a time, the heaviest edges first
 * (an edge's weight is how many chunks state it), each entity reached once by its shortest path, until `hops`
 * or `limit` entities. Each adapter supplies three queries: entities by id, one hop's edges from a frontier,
 * and the chunks that mention a set of entities.
 */
import type { GraphEntity, GraphNeighbour, GraphStep, NeighbourhoodQuery } from "../core/ports/graph-store";

export interface HopEdge {
  from: string;
  to: string;
  type: string;
  weight: number;
}

export interface NeighbourhoodQueries {
  entities(ids: string[]): Promise<GraphEntity[]>;
  /** Edges with `from` in the frontier and `to` not excluded, heaviest first, at most `max` per direction. */
  step(frontier: string[], exclude: string[], max: number): Promise<HopEdge[]>;
  chunks(entityIds: string[], perEntity: number): Promise<{ entityId: string; chunkId: string }[]>;
}

export const MAX_HOPS = 4;
export const MAX_NEIGHBOURS = 1000;

export async function expandNeighbourhood(q: NeighbourhoodQuery, db: NeighbourhoodQueries): Promise<GraphNeighbour[]> {
  const hops = Math.max(0, Math.min(MAX_HOPS, Math.floor(q.hops)));
  const limit = Math.max(1, Math.min(MAX_NEIGHBOURS, Math.floor(q.limit)));
  const seeds = [...new Set(q.seeds)];
  if (!seeds.length) return [];
  const found = await db.entities(seeds.slice(0, limit));
  const byId = new Map(found.map((e) => [e.id, e]));
  const reached = new Map<string, { hops: number; path: GraphStep[] }>();
  for (const s of seeds) if (byId.has(s) && reached.size < limit) reached.set(s, { hops: 0, path: [] });
  let frontier = [...reached.keys()];
  for (let h = 1; h <= hops && frontier.length && reached.size < limit; h++) {
    const edges = await db.step(frontier, [...reached.keys()], limit * 2);
    edges.sort((a, b) => b.weight - a.weight || a.to.localeCompare(b.to) || a.type.localeCompare(b.type));
    const next: string[] = [];
    for (const e of edges) {
      if (reached.size >= limit) break;
      if (reached.has(e.to)) continue;
      const parent = reached.get(e.from)!;
      reached.set(e.to, { hops: h, path: [...parent.path, { from: e.from, to: e.to, type: e.type }] });
      next.push(e.to);
    }
    frontier = next;
  }
  const fresh = [...reached.keys()].filter((id) => !byId.has(id));
  for (const e of await db.entities(fresh)) byId.set(e.id, e);
  const ids = [...reached.keys()].filter((id) => byId.has(id));
  const chunks = new Map<string, string[]>();
  for (const m of await db.chunks(ids, Math.max(1, q.chunksPerEntity ?? 20))) {
    let list = chunks.get(m.entityId);
    if (!list) chunks.set(m.entityId, (list = []));
    list.push(m.chunkId);
  }
  return ids.map((id) => ({ entity: byId.get(id)!, ...reached.get(id)!, chunkIds: (chunks.get(id) ?? []).sort() }));
}
