/**
 * Authentication: login with a password (argon2id via Bun.password), short-lived JWT access tokens, rotating
 * refresh tokens (a used one presented again revokes its whole family: someone copied it), API tokens `sk_...`
 * (stored as SHA-256, scoped to a tenant and role, revocable, last-used time), anonymous widget sessions of the
 * public chat, and the first admin at start-up. Failed logins are throttled per account and per IP.
 *
 * The JWT signer is @elysiajs/jwt's (HS256); its key is JWT_SECRET, or one generated at first start and kept in
 * the database so every replica verifies every other's tokens.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { jwt } from "@elysiajs/jwt";
import type { AccountRepository, ApiTokenRow, Role, UserRow } from "../../core/db/account-repository";
import { ROLES } from "../../core/db/account-repository";
import type { AuditRepository } from "../../core/db/audit-repository";
import type { KbStateRepository } from "../../core/db/kb-state-repository";
import type { Config } from "../../core/config";
import { errors } from "../../core/errors";
import type { Cache } from "../../core/ports/cache";
import type { AuthContext } from "./principal";
import { LoginThrottle } from "./login-throttle";

export const SYSTEM_TENANT = "_system";
const JWT_SECRET_KEY = "jwt_secret";
const API_TOKEN_PREFIX = "sk_";
const REFRESH_PREFIX = "rt_";
/** Verified access tokens kept so a hot token is not re-verified per request (bounded; expiry still checked). */
const VERIFIED_CACHE_MAX = 10_000;
/** API token rows are re-read after this long (a revocation on another replica takes effect within it). */
const API_TOKEN_CACHE_MS = 5_000;
/** last_used_at is written at most this often per token. */
const TOUCH_EVERY_MS = 60_000;

export interface Tokens {
  token: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: "Bearer";
}

interface Signer {
  sign(claims: Record<string, string | number>): Promise<string>;
  verify(token: string): Promise<Record<string, unknown> | false>;
}

interface AccessClaims {
  typ: "access" | "widget";
  sub: string;
  tid: string;
  role: Role;
  usr?: string;
  eml?: string;
  exp: number;
}

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const randomToken = (bytes = 32) => randomBytes(bytes).toString("base64url");

export interface AuthServiceDeps {
  config: Pick<Config, "auth" | "defaultTenant">;
  accounts: AccountRepository;
  audit: AuditRepository;
  kbState: KbStateRepository;
  cache: Cache;
  log?: (line: string) => void;
}

export class AuthService {
  private readonly verified = new Map<string, AccessClaims>();
  private readonly apiTokens = new Map<string, { row: ApiTokenRow | null; at: number }>();
  private readonly touched = new Map<string, number>();
  readonly throttle: LoginThrottle;
  /** A password hash compared against when the account does not exist, so both cases take the same time. */
  private dummyHash?: Promise<string>;

  private constructor(
    private readonly deps: AuthServiceDeps,
    private readonly signer: Signer,
  ) {
    this.throttle = new LoginThrottle(deps.cache);
  }

  /** Loads (or creates once, shared in the database) the signing key. */
  static async open(deps: AuthServiceDeps): Promise<AuthService> {
    let secret = deps.config.auth.jwtSecret;
    if (!secret) {
      await deps.kbState.setIfAbsent(SYSTEM_TENANT, JWT_SECRET_KEY, randomToken(48));
      secret = (await deps.kbState.get<string>(SYSTEM_TENANT, JWT_SECRET_KEY)) ?? undefined;
      if (!secret) throw errors.internal("JWT_SECRET_MISSING", "the signing key could not be stored");
    }
    const plugin = jwt({ name: "jwt", secret, alg: "HS256" }) as unknown as { singleton: { decorator: { jwt: Signer } } };
    return new AuthService(deps, plugin.singleton.decorator.jwt);
  }

  get accounts() {
    return this.deps.accounts;
  }

  /** The default tenant and its first admin (ADMIN_USERNAME/ADMIN_PASSWORD, or a generated password printed once). */
  async bootstrap(): Promise<void> {
    const { defaultTenant, auth } = this.deps.config;
    await this.deps.accounts.ensureTenant(defaultTenant, defaultTenant);
    if ((await this.deps.accounts.countAdmins(defaultTenant)) > 0) return;
    if (await this.deps.accounts.userByName(defaultTenant, auth.adminUsername)) return;
    const password = auth.adminPassword ?? randomToken(18);
    await this.createUser(defaultTenant, { username: auth.adminUsername, password, role: "admin" }, { actorKind: "system", actorId: null });
    if (!auth.adminPassword) {
      (this.deps.log ?? console.log)(`first admin created: username '${auth.adminUsername}', password '${password}' (shown once; change it, or set ADMIN_PASSWORD before the first start)`);
    }
  }

  // --- accounts --------------------------------------------------------------------------------------------
  async createUser(
    tenantId: string,
    u: { username: string; password: string; role: Role; email?: string | null },
    actor: { actorKind: "user" | "token" | "system" | "widget" | "anonymous"; actorId: string | null; ip?: string | null; requestId?: string },
  ): Promise<UserRow> {
    checkPassword(u.password);
    if (await this.deps.accounts.userByName(tenantId, u.username)) throw errors.conflict("USERNAME_TAKEN", `a user named '${u.username}' exists already`);
    const row = await this.deps.accounts.createUser({
      id: `usr_${crypto.randomUUID()}`,
      tenantId,
      username: u.username,
      passwordHash: await hashPassword(u.password),
      role: u.role,
      email: u.email ? u.email.trim().toLowerCase() : null,
    });
    await this.deps.audit.add({ tenantId, action: "user.create", ...actor, target: row.id, details: { username: row.username, role: row.role } });
    return row;
  }

  // --- login, refresh, logout ------------------------------------------------------------------------------
  async login(b: { username: string; password: string; tenant?: string }, ip: string | null, requestId?: string): Promise<Tokens & { user: ReturnType<typeof userView> }> {
    const tenantId = b.tenant ?? this.deps.config.defaultTenant;
    const keys = [`acct:${tenantId}:${b.username.toLowerCase()}`, ...(ip ? [`ip:${ip}`] : [])];
    const wait = await this.throttle.blocked(keys);
    if (wait > 0) {
      await this.deps.audit.add({ tenantId, action: "auth.login_throttled", actorKind: "anonymous", ip, requestId, details: { username: b.username } });
      throw errors.rateLimited("LOGIN_THROTTLED", "too many failed logins; try again later", wait);
    }
    const user = await this.deps.accounts.userByName(tenantId, b.username);
    const ok = user ? await Bun.password.verify(b.password, user.passwordHash) : (await Bun.password.verify(b.password, await this.dummy()), false);
    if (!user || !ok || user.disabled) {
      await this.throttle.fail(keys);
      await this.deps.audit.add({ tenantId, action: "auth.login_failed", actorKind: "anonymous", ip, requestId, details: { username: b.username, reason: !user ? "unknown" : user.disabled && ok ? "disabled" : "password" } });
      throw errors.unauthorized("INVALID_CREDENTIALS", "the username or password is wrong");
    }
    await this.throttle.reset(keys.slice(0, 1));
    await this.deps.accounts.updateUser(tenantId, user.id, { lastLoginAt: new Date() });
    await this.deps.audit.add({ tenantId, action: "auth.login", actorKind: "user", actorId: user.id, ip, requestId });
    return { ...(await this.issue(user, crypto.randomUUID())), user: userView(user) };
  }

  async refresh(refreshToken: string, ip: string | null, requestId?: string): Promise<Tokens> {
    const row = await this.refreshRow(refreshToken);
    if (!row) throw errors.unauthorized("INVALID_REFRESH_TOKEN", "the refresh token is not valid");
    if (row.revokedAt && !row.usedAt) throw errors.unauthorized("REFRESH_TOKEN_REVOKED", "the refresh token was revoked; sign in again");
    if (row.usedAt) {
      // A used token again: either the client retried or someone copied it. Both lose the family.
      await this.deps.accounts.revokeFamily(row.familyId);
      await this.deps.audit.add({ tenantId: row.tenantId, action: "auth.refresh_replay", actorKind: "user", actorId: row.userId, ip, requestId, details: { family: row.familyId } });
      throw errors.unauthorized("REFRESH_TOKEN_REUSED", "the refresh token was used already; sign in again");
    }
    if (row.expiresAt.getTime() <= Date.now()) throw errors.unauthorized("REFRESH_TOKEN_EXPIRED", "the refresh token has expired; sign in again");
    if (!(await this.deps.accounts.useRefreshToken(row.id))) {
      await this.deps.accounts.revokeFamily(row.familyId);
      throw errors.unauthorized("REFRESH_TOKEN_REUSED", "the refresh token was used already; sign in again");
    }
    const user = await this.deps.accounts.user(row.tenantId, row.userId);
    if (!user || user.disabled) throw errors.unauthorized("ACCOUNT_DISABLED", "the account no longer exists or is disabled");
    return this.issue(user, row.familyId);
  }

  async logout(refreshToken: string): Promise<void> {
    const row = await this.refreshRow(refreshToken);
    if (row) await this.deps.accounts.revokeFamily(row.familyId);
  }

  /** An anonymous session of the public chat: signed, short-lived, bound to the conversations it opens. */
  async widgetSession(tenant: string | undefined): Promise<{ token: string; expiresIn: number; sessionId: string; tenant: string }> {
    const tenantId = tenant ?? this.deps.config.defaultTenant;
    if (!(await this.deps.accounts.tenantExists(tenantId))) throw errors.notFound("tenant", tenantId);
    const sessionId = `wid_${randomToken(16)}`;
    const expiresIn = this.deps.config.auth.widgetTtlSeconds;
    const token = await this.signer.sign({ typ: "widget", sub: sessionId, tid: tenantId, role: "customer", exp: nowSeconds() + expiresIn });
    return { token, expiresIn, sessionId, tenant: tenantId };
  }

  /** An access token for an account (tests and the login above). */
  async accessToken(user: Pick<UserRow, "id" | "tenantId" | "role" | "username" | "email">, ttlSeconds = this.deps.config.auth.accessTtlSeconds): Promise<string> {
    return this.signer.sign({
      typ: "access",
      sub: user.id,
      tid: user.tenantId,
      role: user.role,
      usr: user.username,
      ...(user.email ? { eml: user.email } : {}),
      exp: nowSeconds() + ttlSeconds,
    });
  }

  // --- API tokens ------------------------------------------------------------------------------------------
  async createApiToken(tenantId: string, t: { name: string; role: Role; expiresInDays?: number }, createdBy: string | null): Promise<{ token: string; info: ApiTokenRow }> {
    const token = `${API_TOKEN_PREFIX}${randomToken(32)}`;
    const info = await this.deps.accounts.createApiToken({
      id: `tok_${crypto.randomUUID()}`,
      tenantId,
      name: t.name,
      prefix: token.slice(0, 10),
      tokenHash: sha256(token),
      role: t.role,
      createdBy,
      expiresAt: t.expiresInDays ? new Date(Date.now() + t.expiresInDays * 86_400_000) : null,
    });
    return { token, info };
  }

  async revokeApiToken(tenantId: string, id: string): Promise<ApiTokenRow | null> {
    const row = await this.deps.accounts.revokeApiToken(tenantId, id);
    for (const [k, v] of this.apiTokens) if (v.row?.id === id) this.apiTokens.delete(k);
    return row;
  }

  // --- authenticate a request ------------------------------------------------------------------------------
  /** The caller of a request with `credential` (the Bearer value), or anonymous; 401 for a bad credential. */
  async authenticate(credential: string | null): Promise<AuthContext> {
    if (!credential) return { tenantId: this.deps.config.defaultTenant, principal: { kind: "anonymous" }, role: null };
    if (credential.startsWith(API_TOKEN_PREFIX)) return this.byApiToken(credential);
    const claims = await this.verify(credential);
    if (claims.typ === "widget") return { tenantId: claims.tid, principal: { kind: "widget", id: claims.sub }, role: "customer" };
    return {
      tenantId: claims.tid,
      principal: { kind: "user", id: claims.sub, username: claims.usr ?? "", ...(claims.eml ? { email: claims.eml } : {}) },
      role: claims.role,
    };
  }

  private async verify(token: string): Promise<AccessClaims> {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.exp > nowSeconds()) return hit;
      this.verified.delete(token);
      throw expiredError();
    }
    const raw = await this.signer.verify(token);
    if (!raw) throw isExpired(token) ? expiredError() : errors.unauthorized("INVALID_TOKEN", "the access token is not valid");
    const c = raw as Partial<AccessClaims>;
    if ((c.typ !== "access" && c.typ !== "widget") || typeof c.sub !== "string" || typeof c.tid !== "string" || !ROLES.includes(c.role as Role) || typeof c.exp !== "number") {
      throw errors.unauthorized("INVALID_TOKEN", "the access token is not valid");
    }
    if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, c as AccessClaims);
    return c as AccessClaims;
  }

  private async byApiToken(token: string): Promise<AuthContext> {
    const hash = sha256(token);
    const now = Date.now();
    let entry = this.apiTokens.get(hash);
    if (!entry || now - entry.at > API_TOKEN_CACHE_MS) {
      entry = { row: await this.deps.accounts.apiTokenByHash(hash), at: now };
      if (this.apiTokens.size >= VERIFIED_CACHE_MAX) this.apiTokens.delete(this.apiTokens.keys().next().value!);
      this.apiTokens.set(hash, entry);
    }
    const row = entry.row;
    if (!row) throw errors.unauthorized("INVALID_TOKEN", "the API token is not valid");
    if (row.revokedAt) throw errors.unauthorized("TOKEN_REVOKED", "the API token was revoked");
    if (row.expiresAt && row.expiresAt.getTime() <= now) throw errors.unauthorized("TOKEN_EXPIRED", "the API token has expired");
    if (now - (this.touched.get(row.id) ?? 0) > TOUCH_EVERY_MS) {
      this.touched.set(row.id, now);
      void this.deps.accounts.touchApiToken(row.id, new Date(now)).catch(() => {});
    }
    return { tenantId: row.tenantId, principal: { kind: "token", id: row.id, name: row.name }, role: row.role };
  }

  private async issue(user: UserRow, familyId: string): Promise<Tokens> {
    const id = `rtk_${crypto.randomUUID()}`;
    const refreshToken = `${REFRESH_PREFIX}${id}.${randomToken(32)}`;
    await this.deps.accounts.addRefreshToken({
      id,
      tenantId: user.tenantId,
      userId: user.id,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.deps.config.auth.refreshTtlSeconds * 1000),
    });
    return { token: await this.accessToken(user), refreshToken, expiresIn: this.deps.config.auth.accessTtlSeconds, tokenType: "Bearer" };
  }

  private async refreshRow(token: string) {
    const m = /^rt_(rtk_[0-9a-f-]{36})\.[A-Za-z0-9_-]{20,}$/.exec(token);
    if (!m) return null;
    const row = await this.deps.accounts.refreshToken(m[1]!);
    if (!row) return null;
    const a = Buffer.from(row.tokenHash, "hex");
    const b = Buffer.from(sha256(token), "hex");
    return a.length === b.length && timingSafeEqual(a, b) ? row : null;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(randomToken(16));
    return this.dummyHash;
  }
}

export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: "argon2id" });

/** 422 for a password too short or too long to hash. */
export function checkPassword(password: string): void {
  if (password.length < 10) throw errors.invalid("PASSWORD_TOO_SHORT", "the password must be at least 10 characters");
  if (password.length > 256) throw errors.invalid("PASSWORD_TOO_LONG", "the password must be at most 256 characters");
}

export function userView(u: UserRow) {
  return { id: u.id, tenantId: u.tenantId, username: u.username, role: u.role, email: u.email, disabled: u.disabled, lastLoginAt: u.lastLoginAt, createdAt: u.createdAt };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

const expiredError = () => errors.unauthorized("TOKEN_EXPIRED", "the access token has expired; refresh it or sign in again");

/** Whether a JWT's (unverified) exp lies in the past: only to tell "expired" from "invalid" in the error. */
function isExpired(token: string): boolean {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: unknown };
    return typeof payload.exp === "number" && payload.exp <= nowSeconds();
  } catch {
    return false;
  }
}
