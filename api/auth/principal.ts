/**
 * Who is calling: every handler gets an AuthContext `{tenantId, principal, role}` from the auth plugin. The
 * principal is an account (a JWT access token), an API token (`sk_...`), an anonymous widget session (a signed,
 * short-lived JWT of the public chat) or nobody.
 */
import type { Role } from "../../core/db/account-repository";

export type { Role } from "../../core/db/account-repository";

export type Principal =
  | { kind: "anonymous" }
  | { kind: "user"; id: string; username: string; email?: string }
  | { kind: "token"; id: string; name: string }
  | { kind: "widget"; id: string };

export interface AuthContext {
  tenantId: string;
  principal: Principal;
  /** null for anonymous callers. */
  role: Role | null;
}

const RANK: Record<Role, number> = { customer: 1, agent: 2, admin: 3 };

/** Whether `role` has at least the rights of `needed` (admin > agent > customer). */
export const atLeast = (role: Role | null, needed: Role): boolean => role !== null && RANK[role] >= RANK[needed];

/** The owner id stored on what a principal creates (conversations). */
export function ownerOf(p: Principal): string | undefined {
  return p.kind === "anonymous" ? undefined : `${p.kind}:${p.id}`;
}

/**
 * The owner a read or write must match: customers (accounts, widget sessions, customer-role tokens) see only what
 * they opened; agents and admins see the whole tenant (undefined).
 */
export function ownerScope(auth: AuthContext): string | undefined {
  return auth.role === "customer" ? (ownerOf(auth.principal) ?? "none") : undefined;
}

/** Audit actor fields of a principal. */
export function actorOf(p: Principal): { actorKind: "user" | "token" | "widget" | "anonymous"; actorId: string | null } {
  return p.kind === "anonymous" ? { actorKind: "anonymous", actorId: null } : { actorKind: p.kind, actorId: p.id };
}

/** What a conversation call is scoped to: the tenant, the owner a customer must match, the owner to store. */
export interface Scope {
  tenantId: string;
  /** Set for customers: only what they opened. */
  ownerId?: string;
  /** Stored on what this caller creates. */
  creatorId?: string;
  /** A signed-in customer's email: proves it owns that email's orders. */
  customerEmail?: string;
}

export const scopeOf = (auth: AuthContext): Scope => ({
  tenantId: auth.tenantId,
  ownerId: ownerScope(auth),
  creatorId: ownerOf(auth.principal),
  ...(auth.role === "customer" && auth.principal.kind === "user" && auth.principal.email ? { customerEmail: auth.principal.email } : {}),
});
