/**
 * The graph routes' logic: the tenant's entities (by name or alias), one entity with its neighbours, relations
 * and the chunks that mention it, and the communities with their summaries. Every call is scoped to the
 * caller's tenant; only active chunks are shown (a superseded version's mentions are not).
 */
import { AppError, errors } from "../../../core/errors";
import type { Graph } from "../../../graph/open-graph";
import type { Services } from "../../services";
import type { CommunitiesQuery, EntitiesQuery } from "./model";

function graphOf(services: Services): Graph {
  if (!services.graph) throw new AppError({ code: "GRAPH_DISABLED", message: "GraphRAG is off on this server (GRAPH_ENABLED=false)", category: "not_found" });
  return services.graph;
}

export async function listEntities(services: Services, tenantId: string, q: EntitiesQuery) {
  const g = graphOf(services);
  const limit = q.limit ?? 50;
  const items = await g.store.entities(tenantId, { text: q.q?.trim() || undefined, limit, after: q.after });
  return { items, next: items.length === limit ? items.at(-1)!.id : null };
}

export async function getEntity(services: Services, tenantId: string, id: string, hops = 1) {
  const g = graphOf(services);
  const hood = await g.store.neighbourhood(tenantId, { seeds: [id], hops, limit: 100, chunksPerEntity: 20 });
  const self = hood.find((n) => n.entity.id === id);
  if (!self) throw errors.notFound("entity", id);
  const relations = await g.store.edges(tenantId, [id]);
  const chunks = await services.stores.chunks.activeChunks(tenantId, self.chunkIds);
  return {
    entity: self.entity,
    neighbours: hood.filter((n) => n !== self).map((n) => ({ id: n.entity.id, name: n.entity.name, type: n.entity.type, hops: n.hops, path: n.path })),
    relationTypes: [...new Set(relations.map((r) => r.type))].sort(),
    relations: relations.map(({ chunkIds: _c, ...r }) => r),
    chunks: chunks.map((c) => ({ chunkId: c.id, documentId: c.documentId, title: c.title, source: c.source, sectionPath: c.sectionPath, page: c.page, text: c.text.length > 400 ? `${c.text.slice(0, 397)}...` : c.text })),
  };
}

export async function listCommunities(services: Services, tenantId: string, q: CommunitiesQuery) {
  const g = graphOf(services);
  const limit = q.limit ?? 50;
  const ranked = q.q ? await g.communities.search(tenantId, q.q, limit) : (await g.communities.list(tenantId)).slice(0, limit).map((community) => ({ community, score: null }));
  return {
    items: ranked.map(({ community: c, score }) => ({ id: c.id, title: c.title, summary: c.summary, size: c.entityIds.length, entityIds: c.entityIds.slice(0, 50), documentIds: c.documentIds, chunkIds: c.chunkIds, score })),
  };
}
