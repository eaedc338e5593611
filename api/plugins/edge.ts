/**
 * What every request must satisfy before a route sees it, checked once for all routes:
 *  - a body larger than `maxBodyBytes` is refused with 413 (by its Content-Length before it is read, or while a
 *    chunked body is read), with the standard error JSON;
 *  - a body is JSON (`application/json` or `+json`): anything else is 415, except multipart/form-data on the
 *    routes listed in `formRoutes`; malformed JSON is 400; a request with no body (and no content type) is left
 *    to the route's schema (allowed where the body is optional);
 *  - no string anywhere in the JSON body, multipart text fields, query string or path parameters (keys included)
 *    contains a NUL character (U+0000), which PostgreSQL cannot store: 422 INVALID_CHARACTER naming the field.
 * Routes receive the parsed JSON, or the FormData on form routes, as `body`.
 */
import { readCapped } from "../../core/read-capped";
import { Elysia } from "elysia";
import { AppError, errors } from "../../core/errors";

export interface EdgeOptions {
  maxBodyBytes: number;
  /** Route paths (as declared, e.g. "/v1/documents") that also take multipart/form-data. */
  formRoutes?: readonly string[];
}

/** The path (e.g. `metadata.note`, `messages.0.content`) of the first string or key containing U+0000, or null. */
export function findNul(value: unknown, path = ""): string | null {
  const join = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (typeof value === "string") return value.includes("\u0000") ? path || "value" : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], join(i));
      if (hit) return hit;
    }
    return null;
  }
  const proto = value && typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  // Plain objects only (Elysia's parsed query has a null prototype); files and other class instances hold no text.
  if (value && typeof value === "object" && (proto === Object.prototype || proto === null)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("\u0000")) return join(k.replaceAll("\u0000", "\\u0000"));
      const hit = findNul(v, join(k));
      if (hit) return hit;
    }
  }
  return null;
}

export function nulError(field: string): AppError {
  return errors.invalid("INVALID_CHARACTER", `${field}: contains a NUL character (\\u0000), which is not allowed in text`, { field });
}

/** Throws 422 INVALID_CHARACTER when `value` holds a NUL character; `prefix` names where it came from. */
export function assertNoNul(value: unknown, prefix?: string): void {
  const hit = findNul(value);
  if (hit) throw nulError(prefix && hit === "value" ? prefix : prefix ? `${prefix}.${hit}` : hit);
}

export function tooLarge(bytes: number | string, max: number): AppError {
  return errors.tooLarge("BODY_TOO_LARGE", `the request body is ${bytes} bytes; the limit is ${max} bytes`);
}

/** Reads a request body, stopping with 413 as soon as it passes `max` bytes. */
export function readBody(request: Request, max: number): Promise<Uint8Array<ArrayBuffer>> {
  return readCapped(request.body, max, () => tooLarge(`more than ${max}`, max));
}

const isJsonType = (type: string) => type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));

export const edgePlugin = (o: EdgeOptions) => {
  const forms = new Set(o.formRoutes ?? []);
  return new Elysia({ name: "edge", seed: o })
    .onRequest(({ request }) => {
      const length = request.headers.get("content-length");
      if (length !== null && Number(length) > o.maxBodyBytes) throw tooLarge(length, o.maxBodyBytes);
    })
    .onParse({ as: "global" }, async ({ request, contentType, route }) => {
      const declared = request.headers.get("content-length");
      if (!request.body || declared === "0") {
        if (contentType && !isJsonType(contentType) && !(forms.has(route) && contentType === "multipart/form-data")) throw unsupported(forms.has(route));
        return; // no body: the route's schema decides whether one is required
      }
      if (forms.has(route) && contentType === "multipart/form-data") {
        const bytes = await readBody(request, o.maxBodyBytes);
        let form: FormData;
        try {
          form = await new Response(bytes, { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData();
        } catch {
          throw errors.badRequest("MALFORMED_BODY", "the multipart form data could not be parsed");
        }
        for (const [name, v] of form.entries()) {
          if (name.includes("\u0000")) throw nulError("form field name");
          if (typeof v === "string") assertNoNul(v, name);
        }
        return form;
      }
      if (!isJsonType(contentType)) throw unsupported(forms.has(route));
      let text: string;
      try {
        // JSON is UTF-8 (RFC 8259): bytes that are not are refused, not silently replaced with U+FFFD.
        text = new TextDecoder("utf-8", { fatal: true }).decode(await readBody(request, o.maxBodyBytes));
      } catch (e) {
        if (e instanceof TypeError) throw errors.badRequest("INVALID_UTF8", "the request body is not valid UTF-8");
        throw e;
      }
      if (!text.trim()) throw errors.badRequest("MALFORMED_JSON", "the request body is empty; send a JSON object (or no body and no content type)");
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw errors.badRequest("MALFORMED_JSON", `the request body is not valid JSON: ${(e as Error).message}`);
      }
      assertNoNul(value);
      return value as Record<string, unknown>;
    })
    .onTransform({ as: "global" }, ({ params, query }) => {
      assertNoNul(params);
      assertNoNul(query);
    });
};

function unsupported(formsToo: boolean): AppError {
  return errors.unsupported(
    "UNSUPPORTED_MEDIA_TYPE",
    formsToo ? "send multipart/form-data (with a 'file' field) or application/json" : "send the body as application/json",
  );
}
