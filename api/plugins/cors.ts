/**
 * CORS for the origins in CORS_ORIGINS (exact `scheme://host[:port]` matches; `*` only when configured alone;
 * empty, the default: no cross-origin access). Checked before routing, so every response is covered, errors
 * and SSE streams included:
 *  - a preflight (OPTIONS with Origin and Access-Control-Request-Method) from an allowed origin is answered 204
 *    with the allowed methods and headers (Authorization, Content-Type, Last-Event-ID, X-Request-Id) and a
 *    10-minute max age; from any other origin 403 `{error: {code: "CORS_ORIGIN_DENIED", message}}`;
 *  - any other request from an allowed origin gets Access-Control-Allow-Origin (the origin itself, or `*`),
 *    `Vary: Origin` and Access-Control-Expose-Headers (X-Request-Id, Retry-After, RateLimit-*). A request from an
 *    origin not allowed is served without them (the browser then withholds the response from the page); it is not
 *    refused, since the API's own pages send Origin on same-origin POSTs.
 * No Access-Control-Allow-Credentials: credentials travel in the Authorization header, never in cookies.
 * (@elysiajs/cors is not used: it cannot refuse a preflight with 403.)
 */
import { Elysia } from "elysia";

export const CORS_ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
export const CORS_ALLOW_HEADERS = "Authorization, Content-Type, Last-Event-ID, X-Request-Id";
export const CORS_EXPOSE_HEADERS = "X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy";

let seeds = 0;

export function corsPlugin(o: { origins: readonly string[] }) {
  const any = o.origins.includes("*");
  const allowed = new Set(o.origins);
  const allows = (origin: string) => any || allowed.has(origin);

  return new Elysia({ name: "cors", seed: ++seeds }).onRequest(({ request, set }) => {
    const origin = request.headers.get("origin");
    if (!origin) return;
    const preflight = request.method === "OPTIONS" && request.headers.has("access-control-request-method");
    if (preflight) {
      const vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
      if (!allows(origin)) {
        const body = { error: { code: "CORS_ORIGIN_DENIED", message: `cross-origin requests from ${JSON.stringify(origin).slice(0, 200)} are not allowed (CORS_ORIGINS)` } };
        return new Response(JSON.stringify(body), { status: 403, headers: { "content-type": "application/json; charset=utf-8", vary } });
      }
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": any ? "*" : origin,
          "access-control-allow-methods": CORS_ALLOW_METHODS,
          "access-control-allow-headers": CORS_ALLOW_HEADERS,
          "access-control-max-age": "600",
          vary,
        },
      });
    }
    set.headers["vary"] = "Origin";
    if (!allows(origin)) return;
    set.headers["access-control-allow-origin"] = any ? "*" : origin;
    set.headers["access-control-expose-headers"] = CORS_EXPOSE_HEADERS;
  });
}
