/**
 * The one place errors become HTTP: AppError keeps its status and code; Elysia's own parse/validation/not-found
 * errors get the same `{ error: { code, message } }` shape; anything else is a 500 that hides internals.
 */
import { Elysia } from "elysia";
import { databaseUnavailable } from "../../core/db/db-errors";
import { AppError, isAppError } from "../../core/errors";

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

/** Turns a schema validation failure into a short sentence naming the field. */
function validationMessage(error: unknown): { message: string; details?: Record<string, unknown> } {
  try {
    const parsed = JSON.parse((error as Error).message) as { property?: string; message?: string; summary?: string };
    const field = parsed.property?.replace(/^\//, "").replace(/\//g, ".") || "body";
    return { message: `${field}: ${parsed.summary ?? parsed.message ?? "is invalid"}`, details: { field } };
  } catch {
    return { message: (error as Error).message || "request is invalid" };
  }
}

export const errorsPlugin = new Elysia({ name: "errors" }).onError({ as: "global" }, ({ code, error, request }) => {
  if (isAppError(error)) {
    if (error.status >= 500) console.error(`[${error.code}] ${request.method} ${new URL(request.url).pathname}: ${error.message}`, error.cause ?? "");
    return appErrorResponse(error);
  }
  switch (code) {
    case "PARSE":
      return errorResponse(400, { error: { code: "MALFORMED_BODY", message: "the request body could not be parsed (malformed JSON or form data)" } });
    case "VALIDATION": {
      const { message, details } = validationMessage(error);
      return errorResponse(422, { error: { code: "VALIDATION_FAILED", message, details } });
    }
    case "NOT_FOUND":
      return errorResponse(404, { error: { code: "ROUTE_NOT_FOUND", message: `no route for ${request.method} ${new URL(request.url).pathname}` } });
    default: {
      const status = (error as { status?: number })?.status;
      if (typeof status === "number" && status >= 400 && status < 500) {
        return errorResponse(status, { error: { code: "BAD_REQUEST", message: (error as Error).message || "bad request" } });
      }
      // A store that is down is a 503 with Retry-After, never a 500.
      const down = databaseUnavailable(error);
      if (down) {
        console.error(`[${down.code}] ${request.method} ${new URL(request.url).pathname}: ${down.message}`);
        return appErrorResponse(down);
      }
      console.error(`[INTERNAL] ${request.method} ${new URL(request.url).pathname}:`, error);
      return errorResponse(500, { error: { code: "INTERNAL", message: "an internal error occurred; it has been logged" } });
    }
  }
});
