/**
 * Request rate limits (a sliding window of RATE_LIMIT_WINDOW_MS, default one minute), checked before routing:
 *  - per client address: RATE_LIMIT_PER_IP (the peer address; X-Forwarded-For only with TRUST_PROXY, client-ip.ts);
 *  - per credential: RATE_LIMIT_PER_TOKEN, keyed by a hash of `tokenKey` from the identity resolver;
 *  - per tenant: RATE_LIMIT_PER_TENANT, keyed by `tenantId` from the resolver.
 * A limit of 0 switches its key off. The keys are checked in that order and the first refusal answers 429
 * `{error: {code: "RATE_LIMITED", message}}` with Retry-After (seconds); later keys are then not counted.
 * Every limited response carries RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset (seconds) and
 * RateLimit-Policy (`<limit>;w=<window seconds>`) of the key closest to its limit.
 *
 * Not limited: /v1/health and /metrics (probes and scrapes), OPTIONS (CORS preflights, answered earlier), and,
 * while RATE_LIMIT_EXEMPT_LOOPBACK is true (the default), requests from a loopback address — the local demo,
 * the tests and the benches, which drive thousands of requests from 127.0.0.1. Behind a reverse proxy on the
 * same host, set TRUST_PROXY, or every client looks like the proxy's loopback address.
 *
 * The identity resolver is the auth layer's: `(request) => ({tokenKey?, tenantId?})` for a verified credential;
 * the default returns nothing (only the per-address limit applies); a resolver that throws counts as nothing (so a
 * bad token is refused by the auth layer, not here). A cache that fails lets requests through
 * (rate-limiter.ts).
 */
import { Elysia } from "elysia";
import type { RateLimitConfig, TrustProxy } from "../../core/config";
import { clientIp, isLoopback } from "./client-ip";
import { rateLimited, type LimitDecision, type LimitRule, type RateLimiter } from "./rate-limiter";

export interface RateLimitIdentity {
  /** A stable id of the credential (API token, session): hashed before use as a key. */
  tokenKey?: string;
  tenantId?: string;
}

export type IdentityResolver = (request: Request) => RateLimitIdentity | undefined | Promise<RateLimitIdentity | undefined>;

export interface RateLimitPluginOptions {
  limiter: RateLimiter;
  limits: RateLimitConfig;
  trustProxy: TrustProxy;
  resolveIdentity?: IdentityResolver;
  /** Paths never limited (default: /v1/health and /metrics). */
  exemptPaths?: readonly string[];
}

export const DEFAULT_EXEMPT_PATHS = ["/v1/health", "/metrics"] as const;

function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.slice(start).search(/[?#]/);
  const p = end < 0 ? url.slice(start) : url.slice(start, start + end);
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

function tokenHash(tokenKey: string): string {
  return new Bun.CryptoHasher("sha256").update(tokenKey).digest("hex").slice(0, 32);
}

/** RateLimit-* header values of a decision. */
export function rateLimitHeaders(d: LimitDecision): Record<string, string> {
  const windowS = Math.max(1, Math.ceil(d.rule.windowMs / 1000));
  return {
    "ratelimit-limit": String(d.rule.limit),
    "ratelimit-remaining": String(d.remaining),
    "ratelimit-reset": String(Math.ceil((d.allowed ? d.resetMs : d.retryAfterMs) / 1000)),
    "ratelimit-policy": `${d.rule.limit};w=${windowS}`,
  };
}

let seeds = 0;

export function rateLimitPlugin(o: RateLimitPluginOptions) {
  const { limits } = o;
  const exempt = new Set(o.exemptPaths ?? DEFAULT_EXEMPT_PATHS);
  const rule = (name: string, limit: number): LimitRule => ({ name, limit, windowMs: limits.windowMs });
  const perIp = rule("ip", limits.perIp);
  const perToken = rule("token", limits.perToken);
  const perTenant = rule("tenant", limits.perTenant);
  const needsIdentity = o.resolveIdentity !== undefined && (limits.perToken > 0 || limits.perTenant > 0);

  return new Elysia({ name: "rate-limit", seed: ++seeds }).onRequest(async ({ request, server, set }) => {
    if (request.method === "OPTIONS" || exempt.has(pathOf(request.url))) return;
    const ip = clientIp(request, server, o.trustProxy);
    if (ip && limits.exemptLoopback && isLoopback(ip)) return;
    const checks: [string, LimitRule][] = [];
    if (ip && perIp.limit > 0) checks.push([`ip:${ip}`, perIp]);
    if (needsIdentity) {
      // A missing or invalid credential is the auth layer's to refuse on its routes; here it only means no key.
      const id = await Promise.resolve()
        .then(() => o.resolveIdentity!(request))
        .catch(() => undefined);
      if (id?.tokenKey && perToken.limit > 0) checks.push([`token:${tokenHash(id.tokenKey)}`, perToken]);
      if (id?.tenantId && perTenant.limit > 0) checks.push([`tenant:${id.tenantId}`, perTenant]);
    }
    let tightest: LimitDecision | undefined;
    for (const [key, r] of checks) {
      const d = await o.limiter.hit(key, r);
      if (d.failedOpen) continue;
      if (!d.allowed) {
        Object.assign(set.headers, rateLimitHeaders(d));
        throw rateLimited(d);
      }
      if (!tightest || d.remaining / d.rule.limit < tightest.remaining / tightest.rule.limit) tightest = d;
    }
    if (tightest) Object.assign(set.headers, rateLimitHeaders(tightest));
  });
}
