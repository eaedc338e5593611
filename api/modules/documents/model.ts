import { t } from "elysia";

export const listQuery = t.Object({
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 50 })),
  offset: t.Optional(t.Integer({ minimum: 0, default: 0 })),
  docType: t.Optional(t.String({ maxLength: 64 })),
  tag: t.Optional(t.String({ maxLength: 64 })),
  q: t.Optional(t.String({ maxLength: 200, description: "Substring of the title or source" })),
});

export const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) });

export const uploadQuery = t.Object({
  wait: t.Optional(t.BooleanString({ description: "Wait for the ingestion job to finish and return its final state" })),
});

/** The JSON form of POST /v1/documents (validated by hand, since the route also takes multipart). */
export interface JsonDocumentBody {
  title?: string;
  text?: string;
  url?: string;
  source?: string;
  sourceId?: string;
  docType?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

export type ListQuery = typeof listQuery.static;
