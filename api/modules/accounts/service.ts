/**
 * Administration of one tenant: users, API tokens, the audit log; and tenants (for admins of the default,
 * operator tenant). Every call is scoped by the caller's tenant: another tenant's user or token is 404.
 */
import type { AuditRepository } from "../../../core/db/audit-repository";
import { errors } from "../../../core/errors";
import { checkPassword, hashPassword, userView, type AuthService } from "../../auth/auth-service";
import { actorOf, type AuthContext } from "../../auth/principal";
import type { PatchUserBody } from "./model";

export interface AccountServices {
  auth: AuthService;
  audit: AuditRepository;
  config: { defaultTenant: string };
}

export interface Caller {
  auth: AuthContext;
  ip: string | null;
  requestId?: string;
}

/** The audit fields of a caller: who, from where, in which request. */
export const actor = (c: Caller) => ({ ...actorOf(c.auth.principal), ip: c.ip, requestId: c.requestId });

export async function patchUser(s: AccountServices, c: Caller, id: string, body: PatchUserBody) {
  const tenantId = c.auth.tenantId;
  const accounts = s.auth.accounts;
  const user = await accounts.user(tenantId, id);
  if (!user) throw errors.notFound("user", id);
  const losesAdmin = user.role === "admin" && !user.disabled && ((body.role && body.role !== "admin") || body.disabled === true);
  if (losesAdmin && (await accounts.countAdmins(tenantId)) <= 1) throw errors.conflict("LAST_ADMIN", "the tenant's last admin cannot be demoted or disabled");
  if (body.password !== undefined) checkPassword(body.password);
  const updated = await accounts.updateUser(tenantId, id, {
    ...(body.role ? { role: body.role } : {}),
    ...(body.email !== undefined ? { email: body.email ? body.email.trim().toLowerCase() : null } : {}),
    ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
    ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password) } : {}),
  });
  if (!updated) throw errors.notFound("user", id);
  const changed = Object.keys(body).filter((k) => k !== "password");
  await s.audit.add({ tenantId, action: "user.update", ...actor(c), target: id, details: { changed, ...(body.password !== undefined ? { password: "changed" } : {}), ...(body.role ? { role: body.role } : {}) } });
  return userView(updated);
}

export async function deleteUser(s: AccountServices, c: Caller, id: string) {
  const tenantId = c.auth.tenantId;
  const user = await s.auth.accounts.user(tenantId, id);
  if (!user) throw errors.notFound("user", id);
  if (user.role === "admin" && !user.disabled && (await s.auth.accounts.countAdmins(tenantId)) <= 1) throw errors.conflict("LAST_ADMIN", "the tenant's last admin cannot be deleted");
  await s.auth.accounts.deleteUser(tenantId, id);
  await s.audit.add({ tenantId, action: "user.delete", ...actor(c), target: id, details: { username: user.username } });
  return { deleted: true, id };
}

export const tokenView = (t: Awaited<ReturnType<AuthService["accounts"]["listApiTokens"]>>[number]) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  role: t.role,
  createdBy: t.createdBy,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
});

export async function createToken(s: AccountServices, c: Caller, body: { name: string; role: "customer" | "agent" | "admin"; expiresInDays?: number }) {
  const { token, info } = await s.auth.createApiToken(c.auth.tenantId, body, c.auth.principal.kind === "anonymous" ? null : `${c.auth.principal.kind}:${c.auth.principal.id}`);
  await s.audit.add({ tenantId: c.auth.tenantId, action: "token.create", ...actor(c), target: info.id, details: { name: info.name, role: info.role } });
  return { token, ...tokenView(info) };
}

export async function revokeToken(s: AccountServices, c: Caller, id: string) {
  const row = await s.auth.revokeApiToken(c.auth.tenantId, id);
  if (!row) throw errors.notFound("token", id);
  await s.audit.add({ tenantId: c.auth.tenantId, action: "token.revoke", ...actor(c), target: id });
  return tokenView(row);
}

/** Only admins of the default (operator) tenant manage tenants; for others the routes do not exist (404). */
function operatorOnly(s: AccountServices, c: Caller) {
  if (c.auth.tenantId !== s.config.defaultTenant) throw errors.notFound("route", "tenants");
}

export async function listTenants(s: AccountServices, c: Caller) {
  operatorOnly(s, c);
  return { items: await s.auth.accounts.listTenants() };
}

export async function createTenant(s: AccountServices, c: Caller, body: { id: string; name: string; adminUsername: string; adminPassword: string }) {
  operatorOnly(s, c);
  checkPassword(body.adminPassword);
  if (!(await s.auth.accounts.ensureTenant(body.id, body.name))) throw errors.conflict("TENANT_EXISTS", `a tenant '${body.id}' exists already`);
  const admin = await s.auth.createUser(body.id, { username: body.adminUsername, password: body.adminPassword, role: "admin" }, actor(c));
  await s.audit.add({ tenantId: c.auth.tenantId, action: "tenant.create", ...actor(c), target: body.id, details: { name: body.name } });
  return { id: body.id, name: body.name, admin: userView(admin) };
}
