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
      description:
        "Vector (LanceDB), keyword (BM25), heading and graph channels in parallel, fused with RRF or weighted fusion. Each passage lists the channels that found it (`channels`), its rank and score in each, and what a channel said about it (`evidence`: the graph's typed path).",
    },
  });
