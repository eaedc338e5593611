/**
 * Tenants, accounts, rotating refresh tokens and API tokens. Secrets are never stored: passwords as Bun.password
 * hashes, tokens as SHA-256 hex of the token. Every query is scoped by tenant except the lookups by a token's
 * hash (the token names its tenant) and the tenant list itself.
 */
import { and, asc, count, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "./client";
import { apiTokens, refreshTokens, tenants, users } from "./schema";

export const ROLES = ["customer", "agent", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface UserRow {
  id: string;
  tenantId: string;
  username: string;
  passwordHash: string;
  role: Role;
  email: string | null;
  disabled: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApiTokenRow {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  role: Role;
  createdBy: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface RefreshTokenRow {
  id: string;
  tenantId: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

const userOf = (r: typeof users.$inferSelect): UserRow => ({ ...r, role: r.role as Role, disabled: r.disabled !== 0 });
const tokenCols = {
  id: apiTokens.id,
  tenantId: apiTokens.tenantId,
  name: apiTokens.name,
  prefix: apiTokens.prefix,
  role: apiTokens.role,
  createdBy: apiTokens.createdBy,
  expiresAt: apiTokens.expiresAt,
  lastUsedAt: apiTokens.lastUsedAt,
  revokedAt: apiTokens.revokedAt,
  createdAt: apiTokens.createdAt,
};

export class AccountRepository {
  constructor(private readonly db: Db) {}

  // --- tenants ---------------------------------------------------------------------------------------------
  async ensureTenant(id: string, name: string): Promise<boolean> {
    const rows = await this.db.insert(tenants).values({ id, name }).onConflictDoNothing().returning({ id: tenants.id });
    return rows.length > 0;
  }

  async tenantExists(id: string): Promise<boolean> {
    const rows = await this.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, id)).limit(1);
    return rows.length > 0;
  }

  async listTenants() {
    return this.db.select().from(tenants).orderBy(asc(tenants.createdAt));
  }

  // --- users -----------------------------------------------------------------------------------------------
  async createUser(u: { id: string; tenantId: string; username: string; passwordHash: string; role: Role; email?: string | null }): Promise<UserRow> {
    const [row] = await this.db
      .insert(users)
      .values({ ...u, email: u.email ?? null })
      .returning();
    return userOf(row!);
  }

  async userByName(tenantId: string, username: string): Promise<UserRow | null> {
    const rows = await this.db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.username, username))).limit(1);
    return rows[0] ? userOf(rows[0]) : null;
  }

  async user(tenantId: string, id: string): Promise<UserRow | null> {
    const rows = await this.db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.id, id))).limit(1);
    return rows[0] ? userOf(rows[0]) : null;
  }

  async countAdmins(tenantId: string): Promise<number> {
    const [r] = await this.db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.role, "admin"), eq(users.disabled, 0)));
    return Number(r?.n ?? 0);
  }

  async listUsers(tenantId: string, limit: number, offset: number): Promise<{ items: UserRow[]; total: number }> {
    const [rows, [t]] = await Promise.all([
      this.db.select().from(users).where(eq(users.tenantId, tenantId)).orderBy(asc(users.createdAt), asc(users.id)).limit(limit).offset(offset),
      this.db.select({ n: count() }).from(users).where(eq(users.tenantId, tenantId)),
    ]);
    return { items: rows.map(userOf), total: Number(t?.n ?? 0) };
  }

  async updateUser(
    tenantId: string,
    id: string,
    patch: Partial<{ passwordHash: string; role: Role; email: string | null; disabled: boolean; lastLoginAt: Date }>,
  ): Promise<UserRow | null> {
    const { disabled, ...rest } = patch;
    const set = { ...rest, ...(disabled === undefined ? {} : { disabled: disabled ? 1 : 0 }), updatedAt: new Date() };
    const rows = await this.db.update(users).set(set).where(and(eq(users.tenantId, tenantId), eq(users.id, id))).returning();
    return rows[0] ? userOf(rows[0]) : null;
  }

  async deleteUser(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.db.delete(users).where(and(eq(users.tenantId, tenantId), eq(users.id, id))).returning({ id: users.id });
    if (rows.length) await this.db.update(refreshTokens).set({ revokedAt: new Date() }).where(and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.userId, id)));
    return rows.length > 0;
  }

  // --- refresh tokens --------------------------------------------------------------------------------------
  async addRefreshToken(r: Omit<RefreshTokenRow, "usedAt" | "revokedAt">): Promise<void> {
    await this.db.insert(refreshTokens).values(r);
  }

  async refreshToken(id: string): Promise<RefreshTokenRow | null> {
    const rows = await this.db.select().from(refreshTokens).where(eq(refreshTokens.id, id)).limit(1);
    return rows[0] ?? null;
  }

  /** Marks a token used; false when it was used (or revoked) already, so two racing refreshes cannot both win. */
  async useRefreshToken(id: string): Promise<boolean> {
    const rows = await this.db
      .update(refreshTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
      .returning({ id: refreshTokens.id });
    return rows.length > 0;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.db.update(refreshTokens).set({ revokedAt: new Date() }).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  }

  // --- API tokens ------------------------------------------------------------------------------------------
  async createApiToken(t: { id: string; tenantId: string; name: string; prefix: string; tokenHash: string; role: Role; createdBy?: string | null; expiresAt?: Date | null }): Promise<ApiTokenRow> {
    const [row] = await this.db
      .insert(apiTokens)
      .values({ ...t, createdBy: t.createdBy ?? null, expiresAt: t.expiresAt ?? null })
      .returning(tokenCols);
    return { ...row!, role: row!.role as Role };
  }

  async apiTokenByHash(tokenHash: string): Promise<ApiTokenRow | null> {
    const rows = await this.db.select(tokenCols).from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).limit(1);
    return rows[0] ? { ...rows[0], role: rows[0].role as Role } : null;
  }

  async listApiTokens(tenantId: string): Promise<ApiTokenRow[]> {
    const rows = await this.db.select(tokenCols).from(apiTokens).where(eq(apiTokens.tenantId, tenantId)).orderBy(desc(apiTokens.createdAt));
    return rows.map((r) => ({ ...r, role: r.role as Role }));
  }

  async revokeApiToken(tenantId: string, id: string): Promise<ApiTokenRow | null> {
    const rows = await this.db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.tenantId, tenantId), eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning(tokenCols);
    if (rows[0]) return { ...rows[0], role: rows[0].role as Role };
    const existing = await this.db.select(tokenCols).from(apiTokens).where(and(eq(apiTokens.tenantId, tenantId), eq(apiTokens.id, id))).limit(1);
    return existing[0] ? { ...existing[0], role: existing[0].role as Role } : null;
  }

  async touchApiToken(id: string, at: Date): Promise<void> {
    await this.db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
  }
}
