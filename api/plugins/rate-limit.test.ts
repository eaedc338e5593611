import { afterAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { Registry } from "prom-client";
import type { RateLimitConfig, TrustProxy } from "../../core/config";
import { MemoryCache } from "../../core/stores/memory-cache";
import { clientIp, isLoopback, normalizeIp } from "./client-ip";
import { errorsPlugin } from "./errors";
import { rateLimitPlugin, type IdentityResolver } from "./rate-limit";
import { RateLimiter } from "./rate-limiter";

const LIMITS: RateLimitConfig = { perIp: 3, perToken: 5, perTenant: 0, windowMs: 60_000, exemptLoopback: true };
const caches: MemoryCache[] = [];
afterAll(async () => Promise.all(caches.map((c) => c.close())));

function setup(o: { limits?: Partial<RateLimitConfig>; trustProxy?: TrustProxy; resolveIdentity?: IdentityResolver } = {}) {
  let now = 1_000_000;
  const cache = new MemoryCache({ sweepMs: 0, now: () => now });
  caches.push(cache);
  const metrics = new Registry();
  const limiter = new RateLimiter({ cache, metrics, log: () => {} });
  const app = new Elysia()
    .use(errorsPlugin)
    .use(rateLimitPlugin({ limiter, limits: { ...LIMITS, ...o.limits }, trustProxy: o.trustProxy ?? 1, resolveIdentity: o.resolveIdentity }))
    .get("/v1/things", () => ({ ok: true }))
    .get("/v1/health", () => ({ status: "ok" }))
    .get("/metrics", () => "m");
  const get = (path: string, headers: Record<string, string> = {}) => app.handle(new Request(`http://local${path}`, { headers }));
  return { app, get, limiter, metrics, advance: (ms: number) => (now += ms) };
}
const from = (ip: string, extra: Record<string, string> = {}) => ({ "x-forwarded-for": ip, ...extra });

describe("rate-limit plugin", () => {
  test("429 RATE_LIMITED with Retry-After and RateLimit-* headers once a client passes its limit", async () => {
    const { get, metrics } = setup();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await get("/v1/things", from("203.0.113.7"));
      statuses.push(res.status);
      expect(res.headers.get("ratelimit-limit")).toBe("3");
      expect(res.headers.get("ratelimit-remaining")).toBe(String(2 - i));
      expect(res.headers.get("ratelimit-policy")).toBe("3;w=60");
    }
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await get("/v1/things", from("203.0.113.7"));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("ratelimit-reset")).toBe("60");
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("RATE_LIMITED");
    expect(body.error.message).toContain("per ip");
    expect(await metrics.getSingleMetricAsString("rate_limit_rejected_total")).toContain('rate_limit_rejected_total{rule="ip"} 1');
    // Another address has its own window.
    expect((await get("/v1/things", from("203.0.113.8"))).status).toBe(200);
  });

  test("the window slides: each old request that leaves it frees one slot", async () => {
    const { get, advance } = setup();
    await get("/v1/things", from("198.51.100.1")); // t = 0
    advance(20_000);
    await get("/v1/things", from("198.51.100.1")); // t = 20 s
    advance(20_000);
    await get("/v1/things", from("198.51.100.1")); // t = 40 s
    const refused = await get("/v1/things", from("198.51.100.1"));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("20"); // the t = 0 request leaves at 60 s
    advance(20_000); // t = 60 s
    expect((await get("/v1/things", from("198.51.100.1"))).status).toBe(200);
    expect((await get("/v1/things", from("198.51.100.1"))).status).toBe(429); // the t = 20 s one is still in
    advance(20_000);
    expect((await get("/v1/things", from("198.51.100.1"))).status).toBe(200);
  });

  test("per-address and per-credential windows are independent", async () => {
    const resolveIdentity: IdentityResolver = (r) => {
      const auth = r.headers.get("authorization");
      return auth ? { tokenKey: auth.slice("Bearer ".length) } : undefined;
    };
    const { get } = setup({ limits: { perIp: 3, perToken: 2 }, resolveIdentity });
    // One token from two addresses: the token's limit (2) counts across both.
    expect((await get("/v1/things", from("192.0.2.1", { authorization: "Bearer sk_a" }))).status).toBe(200);
    expect((await get("/v1/things", from("192.0.2.2", { authorization: "Bearer sk_a" }))).status).toBe(200);
    const byToken = await get("/v1/things", from("192.0.2.3", { authorization: "Bearer sk_a" }));
    expect(byToken.status).toBe(429);
    expect(((await byToken.json()) as { error: { message: string } }).error.message).toContain("per token");
    // Another token from the same address is not limited by sk_a's window; the address still has its own.
    expect((await get("/v1/things", from("192.0.2.1", { authorization: "Bearer sk_b" }))).status).toBe(200);
    expect((await get("/v1/things", from("192.0.2.1"))).status).toBe(200);
    const byIp = await get("/v1/things", from("192.0.2.1", { authorization: "Bearer sk_c" }));
    expect(byIp.status).toBe(429); // 192.0.2.1's fourth request
    expect(((await byIp.json()) as { error: { message: string } }).error.message).toContain("per ip");
  });

  test("per tenant, when the resolver names one; a limit of 0 switches a key off", async () => {
    const { get } = setup({ limits: { perIp: 0, perToken: 0, perTenant: 2 }, resolveIdentity: (r) => ({ tenantId: r.headers.get("x-tenant") ?? undefined, tokenKey: "t" }) });
    expect((await get("/v1/things", from("192.0.2.1", { "x-tenant": "acme" }))).status).toBe(200);
    expect((await get("/v1/things", from("192.0.2.2", { "x-tenant": "acme" }))).status).toBe(200);
    expect((await get("/v1/things", from("192.0.2.3", { "x-tenant": "acme" }))).status).toBe(429);
    expect((await get("/v1/things", from("192.0.2.3", { "x-tenant": "globex" }))).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await get("/v1/things", from("192.0.2.9"))).status).toBe(200); // no tenant, ip off
  });

  test("a resolver that throws (a bad credential) only means no credential key", async () => {
    const { get } = setup({ limits: { perIp: 2 }, resolveIdentity: () => Promise.reject(new Error("invalid token")) });
    expect((await get("/v1/things", from("192.0.2.77"))).status).toBe(200);
    expect((await get("/v1/things", from("192.0.2.77"))).status).toBe(200);
    expect((await get("/v1/things", from("192.0.2.77"))).status).toBe(429);
  });

  test("health and metrics are never limited; loopback is exempt unless configured otherwise", async () => {
    const { get } = setup({ limits: { perIp: 1 } });
    for (let i = 0; i < 4; i++) {
      expect((await get("/v1/health", from("192.0.2.50"))).status).toBe(200);
      expect((await get("/metrics", from("192.0.2.50"))).status).toBe(200);
      expect((await get("/v1/things", from("127.0.0.1"))).status).toBe(200);
    }
    const strict = setup({ limits: { perIp: 1, exemptLoopback: false } });
    expect((await strict.get("/v1/things", from("127.0.0.1"))).status).toBe(200);
    expect((await strict.get("/v1/things", from("127.0.0.1"))).status).toBe(429);
  });

  test("X-Forwarded-For is ignored without TRUST_PROXY (app.handle has no peer address: nothing to key on)", async () => {
    const { get } = setup({ limits: { perIp: 1 }, trustProxy: false });
    for (let i = 0; i < 3; i++) expect((await get("/v1/things", from(`192.0.2.${i}`))).status).toBe(200);
  });

  test("the client's address comes from Bun's peer address on a real connection", async () => {
    const { app } = setup({ limits: { perIp: 2, exemptLoopback: false }, trustProxy: false });
    const server = app.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const url = `http://127.0.0.1:${server.server!.port}/v1/things`;
      const forged = { "x-forwarded-for": "198.51.100.99" }; // not trusted: the peer (127.0.0.1) is the key
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(url, { headers: forged })).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await server.stop(true);
    }
  });
});

describe("clientIp", () => {
  const req = (xff?: string) => new Request("http://local/", { headers: xff ? { "x-forwarded-for": xff } : {} });
  const peer = (address: string) => ({ requestIP: () => ({ address }) });

  test("the peer address unless proxies are trusted", () => {
    expect(clientIp(req("1.1.1.1"), peer("10.0.0.5"), false)).toBe("10.0.0.5");
    expect(clientIp(req(), peer("::ffff:10.0.0.5"), 1)).toBe("10.0.0.5");
    expect(clientIp(req(), null, false)).toBeUndefined();
  });

  test("N trusted hops pick the address the outermost trusted proxy saw; forged entries on the left are ignored", () => {
    expect(clientIp(req("203.0.113.9"), peer("10.0.0.5"), 1)).toBe("203.0.113.9");
    expect(clientIp(req("6.6.6.6, 203.0.113.9"), peer("10.0.0.5"), 1)).toBe("203.0.113.9");
    expect(clientIp(req("6.6.6.6, 203.0.113.9, 10.0.0.7"), peer("10.0.0.5"), 2)).toBe("203.0.113.9");
    expect(clientIp(req("203.0.113.9"), peer("10.0.0.5"), 5)).toBe("203.0.113.9"); // fewer hops than trusted: the leftmost
    expect(clientIp(req("6.6.6.6, 203.0.113.9"), peer("10.0.0.5"), true)).toBe("6.6.6.6");
    expect(clientIp(req("not-an-ip"), peer("10.0.0.5"), 1)).toBe("10.0.0.5");
  });

  test("normalizeIp and isLoopback", () => {
    expect(normalizeIp("::FFFF:127.0.0.1")).toBe("127.0.0.1");
    expect(isLoopback("127.0.0.1") && isLoopback("127.8.9.1") && isLoopback("::1")).toBe(true);
    expect(isLoopback("10.0.0.1") || isLoopback("::2")).toBe(false);
  });
});

describe("RateLimiter (the API other code uses, e.g. failed logins)", () => {
  test("enforce with peek refuses while the failures fill the window; reset clears them", async () => {
    const cache = new MemoryCache({ sweepMs: 0 });
    caches.push(cache);
    const limiter = new RateLimiter({ cache, log: () => {} });
    const rule = { name: "login-account", limit: 2, windowMs: 60_000 };
    await limiter.enforce("login:acct:ann", rule, { peek: true }); // no failures yet
    await limiter.hit("login:acct:ann", rule);
    await limiter.enforce("login:acct:ann", rule, { peek: true });
    await limiter.hit("login:acct:ann", rule);
    const err = await limiter.enforce("login:acct:ann", rule, { peek: true, message: "too many failed logins" }).catch((e) => e);
    expect(err.status).toBe(429);
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.message).toBe("too many failed logins");
    expect(err.retryAfter).toBeGreaterThan(0);
    expect((await limiter.peek("login:acct:bob", rule)).allowed).toBe(true);
    await limiter.reset("login:acct:ann");
    expect(await limiter.peek("login:acct:ann", rule)).toMatchObject({ allowed: true, remaining: 2 });
  });
});
