/**
 * What the generated OpenAPI document (/swagger/json) cannot learn from the route schemas: the error responses of
 * every route (the one `{ error: { code, message } }` shape, with the statuses a route can return), the multipart
 * upload body of POST /v1/documents, and the WebSocket route /v1/ws with its frames (documented as a GET with
 * the upgrade). Applied to the app's routes once they are all registered; the swagger plugin reads them when the
 * document is requested.
 */
const ERROR_SCHEMA = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "Stable machine-readable code, e.g. VALIDATION_FAILED, DOCUMENT_NOT_FOUND, LLM_OVERLOADED" },
        message: { type: "string", description: "What went wrong, for people" },
        details: { type: "object", additionalProperties: true },
      },
    },
  },
} as const;

const error = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });

const ERRORS: Record<string, { description: string; when: (r: RouteLike) => boolean }> = {
  "400": { description: "Malformed JSON or form data", when: (r) => hasBody(r) },
  "404": { description: "Unknown id (also another tenant's) or route", when: (r) => r.path.includes(":") },
  "409": { description: "Conflict (e.g. an answer is still running in the conversation, a stale version)", when: (r) => hasBody(r) },
  "413": { description: "Body, message or document too large", when: (r) => hasBody(r) },
  "415": { description: "Unsupported media type (JSON bodies only; multipart only on POST /v1/documents)", when: (r) => hasBody(r) },
  "422": { description: "Invalid input: `<field path>: <what is expected>`; a NUL character is INVALID_CHARACTER", when: () => true },
  "429": { description: "Overloaded: retry after the Retry-After header", when: () => true },
  "503": { description: "A dependency is down (DATABASE_UNAVAILABLE, LLM_UNAVAILABLE, ...): retry after the Retry-After header", when: () => true },
};

interface RouteLike {
  method: string;
  path: string;
  hooks: { detail?: Record<string, unknown> } & Record<string, unknown>;
}

const hasBody = (r: RouteLike) => r.method === "POST" || r.method === "PUT" || r.method === "PATCH";

const UPLOAD_BODY = {
  required: true,
  content: {
    "multipart/form-data": {
      schema: {
        type: "object",
        required: ["file"],
        properties: {
          file: { type: "string", format: "binary", description: "Exactly one file: PDF, Markdown, HTML, text, JSON or CSV (at most MAX_UPLOAD_MB)" },
          title: { type: "string" },
          docType: { type: "string", description: "e.g. policy, manual, faq" },
          tags: { type: "string", description: "Comma-separated tags" },
          sourceId: { type: "string", description: "The document's identity (alias `source`); without it, the content hash" },
        },
      },
    },
    "application/json": {
      schema: {
        oneOf: [
          { type: "object", required: ["title", "text"], properties: { title: { type: "string" }, text: { type: "string" }, source: { type: "string" }, docType: { type: "string" }, tags: { type: "array", items: { type: "string" } } } },
          { type: "object", required: ["url"], properties: { url: { type: "string", format: "uri" }, source: { type: "string" }, docType: { type: "string" }, tags: { type: "array", items: { type: "string" } } } },
        ],
      },
    },
  },
};

const FRAME = (name: string, props: Record<string, unknown>, required: string[]) => ({ title: name, type: "object", required: ["type", ...required], properties: { type: { const: name }, ...props } });

/** The WebSocket route, as a path entry (OpenAPI has no WebSocket operation: a GET with the upgrade). */
export const WS_PATH = {
  get: {
    tags: ["conversations"],
    summary: "WebSocket: send messages and receive the same answer events as SSE",
    description:
      "Upgrade to a WebSocket. Frames are JSON text (a binary frame gets an error frame BINARY_FRAME_UNSUPPORTED). Client frames: " +
      "`{type: \"message\", conversationId, content}`, `{type: \"cancel\", messageId}`, `{type: \"resume\", messageId, lastEventId}`, `{type: \"ping\"}`. " +
      "Server frames: the answer events `{type: \"meta\" | \"delta\" | \"citation\" | \"done\" | \"error\", id, data}` (as over SSE, ids from 1 per answer), " +
      "`{type: \"pong\"}`, and `{type: \"error\", code, message, status}` for a bad frame; the connection stays usable.",
    responses: { "101": { description: "Switching protocols" }, "400": error("Not a WebSocket upgrade request") },
    "x-client-frames": {
      oneOf: [
        FRAME("message", { conversationId: { type: "string" }, content: { type: "string" } }, ["conversationId", "content"]),
        FRAME("cancel", { messageId: { type: "string" } }, ["messageId"]),
        FRAME("resume", { messageId: { type: "string" }, lastEventId: { type: "integer", minimum: 0 } }, ["messageId"]),
        FRAME("ping", {}, []),
      ],
    },
  },
};

export const OPENAPI_COMPONENTS = { schemas: { Error: ERROR_SCHEMA as unknown as Record<string, unknown> } };

/** Adds the error responses to every route's documentation, and the upload body to POST /v1/documents. */
export function documentRoutes(routes: readonly RouteLike[]): void {
  for (const r of routes) {
    if (r.path.startsWith("/swagger") || r.path === "/metrics" || r.path === "/v1/ws") continue;
    const detail = (r.hooks.detail ??= {}) as { responses?: Record<string, unknown>; requestBody?: unknown };
    const errors: Record<string, unknown> = {};
    for (const [status, e] of Object.entries(ERRORS)) if (e.when(r)) errors[status] = error(e.description);
    detail.responses = { ...errors, ...(detail.responses ?? {}) };
    if (r.method === "POST" && r.path === "/v1/documents" && !detail.requestBody) detail.requestBody = UPLOAD_BODY;
  }
}
