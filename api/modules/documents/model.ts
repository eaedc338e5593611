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

/** The body of POST /v1/documents/crawl (validated by hand in crawl.ts, so each mistake has its own code). */
export interface CrawlBody {
  url?: unknown;
  maxPages?: unknown;
  sameOrigin?: unknown;
  docType?: unknown;
  tags?: unknown;
}

export const crawlQuery = t.Object({
  wait: t.Optional(t.BooleanString({ description: "Wait for the crawl to finish and return its final state" })),
});

/** A JSON schema object of the OpenAPI document (loosely typed: the swagger plugin's types are its own). */
type JsonSchema = Record<string, any>;

const PAGE_LIST: JsonSchema = { type: "array", items: { type: "object", properties: { url: { type: "string" }, documentId: { type: "string", nullable: true }, jobId: { type: "string" }, status: { type: "string" } } } };

/** OpenAPI of the crawl routes (the body is validated by hand, so the generator cannot see it). */
export const CRAWL_DOC: { requestBody: { required: boolean; content: JsonSchema }; state: JsonSchema } = {
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: {
          type: "object",
          required: ["url"],
          properties: {
            url: { type: "string", format: "uri", description: "The page to start from (http or https; public addresses unless URL_FETCH_ALLOW_PRIVATE / URL_FETCH_ALLOWED_HOSTS allow it)" },
            maxPages: { type: "integer", minimum: 1, maximum: 200, default: 20, description: "Most pages taken into the crawl, the start page included" },
            sameOrigin: { type: "boolean", default: true, description: "Follow only links of the start page's origin; with false, every other host is still checked by the URL policy" },
            docType: { type: "string" },
            tags: { type: "array", items: { type: "string" } },
          },
        },
      },
    },
  },
  state: {
    type: "object",
    properties: {
      id: { type: "string" },
      status: { type: "string", enum: ["running", "succeeded", "failed"] },
      url: { type: "string" },
      maxPages: { type: "integer" },
      sameOrigin: { type: "boolean" },
      pages: { type: "object", properties: { queued: { type: "integer" }, done: { type: "integer" }, failed: { type: "integer" }, skipped: { type: "integer" } } },
      linksIgnored: { type: "integer" },
      documents: PAGE_LIST,
      failures: { type: "array", items: { type: "object", properties: { url: { type: "string" }, code: { type: "string" }, message: { type: "string" } } } },
      skipped: { type: "array", items: { type: "object", properties: { url: { type: "string" }, reason: { type: "string" } } } },
      error: { type: "object", nullable: true, properties: { code: { type: "string" }, message: { type: "string" } } },
      createdAt: { type: "string", format: "date-time" },
      finishedAt: { type: "string", format: "date-time", nullable: true },
    },
  },
};
