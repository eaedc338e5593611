import { Elysia } from "elysia";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import { searchBody } from "./model";
import { search } from "./service";

export const searchModule = (services: Services) =>
  new Elysia({ name: "module:search" })
    .use(authPlugin(services.auth))
    .post("/v1/search", ({ body, auth }) => search(services, body, auth.tenantId), {
    body: searchBody,
    detail: {
      tags: ["retrieval"],
      summary: "Hybrid search over the knowledge base",
      description: "Vector (LanceDB) and keyword (BM25) channels in parallel, fused with RRF or weighted fusion. Returns ranked passages with each channel's rank.",
    },
  });
