/** The audit log: append-only events per tenant, read newest first, paged and filtered. */
import { and, count, desc, eq, gte, lte, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { auditEvents } from "./schema";

export type ActorKind = "user" | "token" | "widget" | "anonymous" | "system";

export interface AuditEvent {
  id: string;
  tenantId: string;
  at: Date;
  action: string;
  actorKind: ActorKind;
  actorId: string | null;
  target: string | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, "id" | "at" | "actorId" | "target" | "ip" | "requestId" | "details"> &
  Partial<Pick<AuditEvent, "actorId" | "target" | "ip" | "requestId" | "details">>;

export interface AuditQuery {
  tenantId: string;
  action?: string;
  actorId?: string;
  since?: Date;
  until?: Date;
  limit: number;
  offset: number;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async add(e: NewAuditEvent): Promise<void> {
    await this.db.insert(auditEvents).values({
      id: `aud_${crypto.randomUUID()}`,
      tenantId: e.tenantId,
      action: e.action,
      actorKind: e.actorKind,
      actorId: e.actorId ?? null,
      target: e.target ?? null,
      ip: e.ip ?? null,
      requestId: e.requestId ?? null,
      details: e.details ?? {},
    });
  }

  async list(q: AuditQuery): Promise<{ items: AuditEvent[]; total: number }> {
    const conds: SQL[] = [eq(auditEvents.tenantId, q.tenantId)];
    if (q.action) conds.push(eq(auditEvents.action, q.action));
    if (q.actorId) conds.push(eq(auditEvents.actorId, q.actorId));
    if (q.since) conds.push(gte(auditEvents.at, q.since));
    if (q.until) conds.push(lte(auditEvents.at, q.until));
    const where = and(...conds);
    const [rows, [t]] = await Promise.all([
      this.db.select().from(auditEvents).where(where).orderBy(desc(auditEvents.at), desc(auditEvents.id)).limit(q.limit).offset(q.offset),
      this.db.select({ n: count() }).from(auditEvents).where(where),
    ]);
    return { items: rows.map((r) => ({ ...r, actorKind: r.actorKind as ActorKind })), total: Number(t?.n ?? 0) };
  }
}
