/**
 * Security headers on every response (set before routing, so errors, early answers and SSE streams carry them):
 *   X-Content-Type-Options: nosniff
 *   Referrer-Policy: no-referrer
 *   X-Frame-Options: DENY                      (and CSP frame-ancestors 'none')
 *   Content-Security-Policy: default-src 'none'; frame-ancestors 'none'   (the API answers data, never pages)
 *     except under the docs path (/swagger), whose page loads its own script, styles and images from this server
 *     and fetches the OpenAPI document: self only, inline styles (Swagger UI sets style attributes), data: images;
 *   Strict-Transport-Security: max-age=HSTS_MAX_AGE   only when HSTS_MAX_AGE > 0 (set it when clients reach the
 *     API over TLS only, e.g. behind a TLS-terminating proxy; a browser then refuses plain HTTP for that long).
 * A header a response sets itself is kept.
 */
import { Elysia } from "elysia";

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export interface SecurityHeadersOptions {
  /** Strict-Transport-Security max-age in seconds; 0 or unset: not sent. */
  hstsMaxAge?: number;
  /** The docs page's path (default "/swagger"): it and everything under it get DOCS_CSP. */
  docsPath?: string;
}

let seeds = 0;

export function securityHeadersPlugin(o: SecurityHeadersOptions = {}) {
  const docs = o.docsPath ?? "/swagger";
  const fixed: Record<string, string> = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    ...(o.hstsMaxAge ? { "strict-transport-security": `max-age=${o.hstsMaxAge}` } : {}),
  };
  return new Elysia({ name: "security-headers", seed: ++seeds }).onRequest(({ request, set }) => {
    Object.assign(set.headers, fixed);
    const url = request.url;
    const start = url.indexOf("/", url.indexOf("//") + 2);
    const path = start < 0 ? "/" : url.slice(start);
    const underDocs = path.startsWith(docs) && (path.length === docs.length || "/?#".includes(path[docs.length]!));
    set.headers["content-security-policy"] = underDocs ? DOCS_CSP : API_CSP;
  });
}
