import { t } from "elysia";

export const searchBody = t.Object({
  query: t.String({ description: "The question or keywords" }),
  k: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: "How many passages to return (default RETRIEVAL_K)" })),
  filters: t.Optional(
    t.Object({
      docTypes: t.Optional(t.Array(t.String(), { maxItems: 50 })),
      sources: t.Optional(t.Array(t.String(), { maxItems: 200 })),
      tags: t.Optional(t.Array(t.String(), { maxItems: 50 })),
      documentIds: t.Optional(t.Array(t.String(), { maxItems: 200 })),
    }),
  ),
  channels: t.Optional(t.Array(t.String(), { minItems: 1, maxItems: 5, description: "Subset of the retrieval channels: vector, keyword, heading (with the sentence encoder), graph (with GRAPH_ENABLED)" })),
  fusion: t.Optional(t.Union([t.Literal("rrf"), t.Literal("weighted")])),
});

export type SearchBody = typeof searchBody.static;
