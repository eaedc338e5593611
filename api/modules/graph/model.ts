import { t } from "elysia";

export const entitiesQuery = t.Object({
  q: t.Optional(t.String({ minLength: 1, maxLength: 200, description: "Name or alias contains this text (case-insensitive)" })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, description: "At most this many (default 50)" })),
  after: t.Optional(t.String({ minLength: 1, maxLength: 300, description: "The `next` of the previous page" })),
});

export const entityParams = t.Object({ id: t.String({ minLength: 1, maxLength: 300 }) });

export const entityQuery = t.Object({
  hops: t.Optional(t.Integer({ minimum: 1, maximum: 3, description: "Neighbours within this many hops (default 1)" })),
});

export const communitiesQuery = t.Object({
  q: t.Optional(t.String({ minLength: 1, maxLength: 500, description: "Rank communities by these words (the graph channel's global mode)" })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, description: "At most this many (default 50)" })),
});

export type EntitiesQuery = typeof entitiesQuery.static;
export type CommunitiesQuery = typeof communitiesQuery.static;
