/**
 * Authentication and the route rules, for every route: resolves the caller (`auth: {tenantId, principal,
 * role}`) from `Authorization: Bearer <access token | sk_ API token | widget session>` and refuses, before the
 * body is validated or the handler runs, a caller the route's rule (api/auth/access-policy.ts) does not admit:
 * 401 without a valid credential, 403 with a role below the rule. Handlers read `auth` and never
 * DEFAULT_TENANT. Also gives `clientIp` (the socket's address) for audit and throttling.
 */
import { Elysia } from "elysia";
import { errors } from "../../core/errors";
import { ACCESS_POLICY, QUERY_TOKEN_ROUTES, ruleKey } from "../auth/access-policy";
import type { AuthService } from "../auth/auth-service";
import { atLeast, ownerOf, type AuthContext } from "../auth/principal";
import type { TrustProxy } from "../../core/config";
import { clientIp as peerIp } from "./client-ip";
import type { RateLimitIdentity } from "./rate-limit";

/** How a bearer credential is read from the Authorization header (also by the /metrics token check). */
export const BEARER = /^Bearer\s+(\S{1,4096})\s*$/i;

function credentialOf(request: Request, key: string): string | null {
  const header = request.headers.get("authorization");
  if (header) {
    const m = BEARER.exec(header);
    if (!m) throw errors.unauthorized("INVALID_AUTHORIZATION", "the Authorization header must be 'Bearer <token>'");
    return m[1]!;
  }
  if (QUERY_TOKEN_ROUTES.has(key)) return new URL(request.url).searchParams.get("access_token");
  return null;
}

/**
 * One resolution of a credential per request: the rate limiter (which runs first) and the route rule share it.
 * Keyed by the Request and checked against the credential, so a different one is resolved on its own.
 */
const resolved = new WeakMap<Request, { credential: string | null; ctx: Promise<AuthContext> }>();
function authenticateOnce(auth: AuthService, request: Request, credential: string | null): Promise<AuthContext> {
  const hit = resolved.get(request);
  if (hit && hit.credential === credential) return hit.ctx;
  const ctx = auth.authenticate(credential);
  resolved.set(request, { credential, ctx });
  return ctx;
}

const isUpgrade = (r: Request) => r.headers.get("upgrade")?.toLowerCase() === "websocket";

/** The rate limiter's view of a request: the verified credential (its principal) and tenant, or nothing. */
export const rateLimitIdentity =
  (auth: AuthService) =>
  async (request: Request): Promise<RateLimitIdentity | undefined> => {
    const m = BEARER.exec(request.headers.get("authorization") ?? "");
    const credential = m?.[1] ?? new URL(request.url).searchParams.get("access_token");
    if (!credential) return undefined;
    const ctx = await authenticateOnce(auth, request, credential);
    return { tokenKey: ownerOf(ctx.principal), tenantId: ctx.tenantId };
  };

export const authPlugin = (auth: AuthService, trustProxy: TrustProxy = false) =>
  new Elysia({ name: "auth" }).derive({ as: "global" }, async ({ request, route, server }): Promise<{ auth: AuthContext; clientIp: string | null }> => {
    const clientIp = peerIp(request, server, trustProxy) ?? null;
    const key = ruleKey(isUpgrade(request) && ACCESS_POLICY[ruleKey("WS", route)] ? "WS" : request.method, route);
    const rule = ACCESS_POLICY[key] ?? (request.method === "HEAD" ? ACCESS_POLICY[ruleKey("GET", route)] : undefined);
    if (rule === undefined) throw errors.forbidden("ACCESS_RULE_MISSING", `no access rule covers ${key}`);
    if (rule === "public") {
      // A stale token must not lock a caller out of signing in again.
      const ctx = await authenticateOnce(auth, request, credentialOf(request, key)).catch(() => auth.authenticate(null));
      return { auth: ctx, clientIp };
    }
    const ctx = await authenticateOnce(auth, request, credentialOf(request, key));
    if (ctx.principal.kind === "anonymous") throw errors.unauthorized("AUTH_REQUIRED", "sign in or send an API token (Authorization: Bearer ...)");
    if (!atLeast(ctx.role, rule)) throw errors.forbidden("FORBIDDEN", `this needs the ${rule} role`);
    return { auth: ctx, clientIp };
  });
