/**
 * The one place errors become HTTP: AppError keeps its status and code; Elysia's own parse/validation/not-found
 * errors get the same `{ error: { code, message } }` shape; anything else is a 500 that hides internals.
 */
import { Elysia, ValidationError } from "elysia";
import { databaseError } from "../../core/db/db-errors";
import { AppError, isAppError } from "../../core/errors";
import { summarize } from "./validation-message";

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorResponse(status: number, body: ErrorBody, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export function appErrorResponse(e: AppError): Response {
  const headers: Record<string, string> = {};
  if (e.retryAfter !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(e.retryAfter)));
  return errorResponse(e.status, e.toJSON(), headers);
}

/** Routes of the OpenAI-compatible facade: their errors also carry OpenAI's `type` and `param`. */
const OPENAI_PATHS = /^\/v1\/(chat\/completions|models)(\/|$)/;

function openAiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  return status >= 500 ? "server_error" : "invalid_request_error";
}

/** `{error: {code, message}}` plus, on the OpenAI routes, `type` and `param` (the field, or null). */
function shaped(response: Response, path: string): Response | Promise<Response> {
  if (!OPENAI_PATHS.test(path)) return response;
  return response.json().then((body: ErrorBody) => {
    const d = body.error.details as { param?: unknown; field?: unknown } | undefined;
    const param = typeof d?.param === "string" ? d.param : typeof d?.field === "string" ? d.field : null;
    const headers: Record<string, string> = {};
    response.headers.forEach((v, k) => (headers[k] = v));
    return errorResponse(response.status, { error: { message: body.error.message, type: openAiType(response.status), param, code: body.error.code, ...(d ? { details: d as Record<string, unknown> } : {}) } as ErrorBody["error"] }, headers);
  });
}

export const errorsPlugin = new Elysia({ name: "errors" }).onError({ as: "global" }, (ctx) => shaped(mapError(ctx), new URL(ctx.request.url).pathname));

function mapError(ctx: { code: unknown; error: unknown; request: Request; query?: unknown; params?: unknown }): Response {
  const { code, request } = ctx;
  // A database error becomes a coded AppError: its message (which holds the SQL statement) is only logged.
  // Elysia wraps what a parse hook throws (the edge plugin's 400/413/415/422) in its ParseError, as the cause.
  const thrown = ctx.code === "PARSE" && isAppError((ctx.error as { cause?: unknown }).cause) ? (ctx.error as { cause: AppError }).cause : ctx.error;
  const error = databaseError(thrown) ?? thrown;
  if (isAppError(error)) {
    if (error.status >= 500) console.error(`[${error.code}] ${request.method} ${new URL(request.url).pathname}: ${error.message}`, error.cause ?? "");
    return appErrorResponse(error);
  }
  switch (code) {
    case "PARSE":
      return errorResponse(400, { error: { code: "MALFORMED_BODY", message: "the request body could not be parsed (malformed JSON or form data)" } });
    case "VALIDATION": {
      if (!(error instanceof ValidationError)) return errorResponse(422, { error: { code: "VALIDATION_FAILED", message: "the request is invalid" } });
      const raw = ctx as { query?: Record<string, unknown>; params?: Record<string, unknown> };
      const { field, message } = summarize(error, { query: raw.query, params: raw.params });
      return errorResponse(422, { error: { code: "VALIDATION_FAILED", message, details: { field, in: error.type === "property" ? "query" : error.type } } });
    }
    case "NOT_FOUND":
      return errorResponse(404, { error: { code: "ROUTE_NOT_FOUND", message: `no route for ${request.method} ${new URL(request.url).pathname}` } });
    default: {
      const status = (error as { status?: number })?.status;
      if (typeof status === "number" && status >= 400 && status < 500) {
        return errorResponse(status, { error: { code: "BAD_REQUEST", message: (error as Error).message || "bad request" } });
      }
      console.error(`[INTERNAL] ${request.method} ${new URL(request.url).pathname}:`, error);
      return errorResponse(500, { error: { code: "INTERNAL", message: "an internal error occurred; it has been logged" } });
    }
  }
}
