import { Elysia } from "elysia";
import type { Services } from "../../services";
import { searchBody } from "./model";
import { search } from "./service";

export const searchModule = (services: Services) =>
  new Elysia({ name: "module:search" }).post("/v1/search", ({ body }) => search(services, body), {
    body: searchBody,
    detail: {
      tags: ["retrieval"],
      summary: "Hybrid search over the knowledge base",
      description: "Vector (LanceDB) and keyword (BM25) channels in parallel, fused with RRF or weighted fusion. Returns ranked passages with each channel's rank.",
    },
  });
