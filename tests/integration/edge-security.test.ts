/**
 * The edge's security settings on the whole app (createApp over real services): security headers on 200, 404,
 * 422, 429, a CORS preflight and an SSE stream; CORS for an allowed and a refused origin; per-address rate
 * limits behind a trusted proxy; /swagger off in production unless SWAGGER_ENABLED=true.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { answerEvents } from "../../api/streaming/sse-reader";
import { loadConfig } from "../../core/config";
import { testServices, type TestServices } from "../helpers/services";
import { ingestKb } from "./conversations-kb";

const SHOP = "https://shop.example.com";

describe("edge security on the app", () => {
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  const call = (method: string, path: string, o: { body?: unknown; headers?: Record<string, string>; on?: ReturnType<typeof createApp> } = {}) =>
    (o.on ?? app).handle(
      new Request(`http://local${path}`, {
        method,
        headers: { ...(o.body === undefined ? {} : { "content-type": "application/json" }), ...o.headers },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      }),
    );
  /** The same services under another environment (only createApp reads the security settings). */
  const appWith = (env: Record<string, string>) => authedApp({ ...t.services, config: { ...t.config, ...pick(loadConfig({ DATA_DIR: t.dir, ...env })) } });
  const pick = (c: ReturnType<typeof loadConfig>) => ({ security: c.security, nodeEnv: c.nodeEnv, production: c.production });

  beforeAll(async () => {
    t = await testServices("pglite", { CORS_ORIGINS: `${SHOP},http://localhost:5173`, HSTS_MAX_AGE: "31536000", TRUST_PROXY: "1", RATE_LIMIT_PER_IP: "4" });
    await ingestKb(t);
    app = authedApp(t.services);
  }, 60_000);
  afterAll(async () => t?.cleanup());

  const expectSecurityHeaders = (res: Response, what: string) => {
    const h: Record<string, string | null> = Object.fromEntries(["x-content-type-options", "referrer-policy", "x-frame-options", "content-security-policy", "strict-transport-security"].map((k) => [k, res.headers.get(k)]));
    expect({ what, ...h } as Record<string, string | null>).toEqual({
      what,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
      "strict-transport-security": "max-age=31536000",
    });
  };

  test("security headers on a 200, a 404, a 422 and an SSE stream", async () => {
    const ok = await call("GET", "/v1/health");
    expect(ok.status).toBe(200);
    expectSecurityHeaders(ok, "200");
    const missing = await call("GET", "/v1/nothing-here");
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing, "404");
    const invalid = await call("POST", "/v1/search", { body: { query: 5 } });
    expect(invalid.status).toBe(422);
    expectSecurityHeaders(invalid, "422");
    const conv = (await (await call("POST", "/v1/conversations", { body: {} })).json()) as { id: string };
    const sse = await call("POST", `/v1/conversations/${conv.id}/messages/stream`, { body: { content: "How long do I have to return a laptop?" }, headers: { origin: SHOP } });
    expect(sse.status).toBe(200);
    expect(sse.headers.get("content-type")).toContain("text/event-stream");
    expectSecurityHeaders(sse, "SSE");
    expect(sse.headers.get("access-control-allow-origin")).toBe(SHOP);
    const events = [];
    for await (const e of answerEvents(sse.body!)) events.push(e);
    expect(events.at(-1)?.event).toBe("done");
  });

  test("CORS: an allowed origin is echoed with Vary and the exposed headers; another origin gets none", async () => {
    const allowed = await call("GET", "/v1/health", { headers: { origin: SHOP } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(allowed.headers.get("vary")).toContain("Origin");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("Retry-After");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("RateLimit-Remaining");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    const other = await call("GET", "/v1/health", { headers: { origin: "https://evil.example" } });
    expect(other.status).toBe(200); // served, but the browser withholds it from the page
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toContain("Origin");
    // An error response from an allowed origin is readable by the page too.
    const missing = await call("GET", "/v1/nothing-here", { headers: { origin: "http://localhost:5173" } });
    expect(missing.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
  });

  test("CORS preflight: 204 with methods and headers for an allowed origin, 403 for another", async () => {
    const preflight = (origin: string) =>
      call("OPTIONS", "/v1/conversations", { headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" } });
    const ok = await preflight(SHOP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(ok.headers.get("access-control-allow-methods")).toContain("POST");
    for (const h of ["Authorization", "Content-Type", "Last-Event-ID", "X-Request-Id"]) expect(ok.headers.get("access-control-allow-headers")).toContain(h);
    expect(ok.headers.get("access-control-max-age")).toBe("600");
    expectSecurityHeaders(ok, "preflight");
    const refused = await preflight("https://evil.example");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("CORS_ORIGIN_DENIED");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    // With no CORS_ORIGINS (the default) every preflight is refused.
    const closed = appWith({});
    expect((await call("OPTIONS", "/v1/search", { on: closed, headers: { origin: SHOP, "access-control-request-method": "POST" } })).status).toBe(403);
    // `*` allows any origin.
    const open = appWith({ CORS_ORIGINS: "*" });
    const star = await call("OPTIONS", "/v1/search", { on: open, headers: { origin: "https://anyone.example", "access-control-request-method": "POST" } });
    expect(star.status).toBe(204);
    expect(star.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("per-address rate limit behind a trusted proxy: 429 with Retry-After and the security and CORS headers", async () => {
    const from = (ip: string) => ({ "x-forwarded-for": ip, origin: SHOP });
    for (let i = 0; i < 4; i++) expect((await call("GET", "/v1/documents", { headers: from("203.0.113.40") })).status).toBe(200);
    const refused = await call("GET", "/v1/documents", { headers: from("203.0.113.40") });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-limit")).toBe("4");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    expectSecurityHeaders(refused, "429");
    expect(refused.headers.get("access-control-allow-origin")).toBe(SHOP);
    // Health stays open to the same address; another address is not affected.
    expect((await call("GET", "/v1/health", { headers: from("203.0.113.40") })).status).toBe(200);
    expect((await call("GET", "/v1/documents", { headers: from("203.0.113.41") })).status).toBe(200);
  });

  test("/swagger: 404 with NODE_ENV=production, served with SWAGGER_ENABLED=true, with a CSP that lets its page load", async () => {
    const prod = appWith({ NODE_ENV: "production" });
    for (const path of ["/swagger", "/swagger/json", "/swagger/assets/swagger-ui-bundle.js"]) {
      const res = await call("GET", path, { on: prod });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    expect(((await (await call("GET", "/", { on: prod })).json()) as { docs?: string }).docs).toBeUndefined();
    const enabled = appWith({ NODE_ENV: "production", SWAGGER_ENABLED: "true" });
    const page = await call("GET", "/swagger", { on: enabled });
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy")!;
    // Everything the page loads is same-origin (tests/integration/api-docs.test.ts checks each is served).
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const asset = await call("GET", "/swagger/assets/swagger-ui.css", { on: enabled });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await call("GET", "/swagger/json", { on: enabled })).status).toBe(200);
    // Not production: on by default.
    expect((await call("GET", "/swagger")).status).toBe(200);
  });
});
