import { Elysia } from "elysia";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import { communitiesQuery, entitiesQuery, entityParams, entityQuery } from "./model";
import { getEntity, listCommunities, listEntities } from "./service";

export const graphModule = (services: Services) =>
  new Elysia({ name: "module:graph" })
    .use(authPlugin(services.auth))
    .get("/v1/graph/entities", ({ query, auth }) => listEntities(services, auth.tenantId, query), {
      query: entitiesQuery,
      detail: { tags: ["graph"], summary: "Entities of the knowledge graph (by name or alias), in id order; page with `after`" },
    })
    .get("/v1/graph/entities/:id", ({ params, query, auth }) => getEntity(services, auth.tenantId, params.id, query.hops), {
      params: entityParams,
      query: entityQuery,
      detail: { tags: ["graph"], summary: "One entity: its neighbours with the typed paths to them, its relation types and the chunks that mention it" },
    })
    .get("/v1/graph/communities", ({ query, auth }) => listCommunities(services, auth.tenantId, query), {
      query: communitiesQuery,
      detail: { tags: ["graph"], summary: "Communities of the entity graph (Louvain) with their extractive summaries; `q` ranks them as the global mode does" },
    });
