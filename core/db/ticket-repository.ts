/**
 * Tickets and their history. A ticket's number comes from a per-tenant sequence row incremented in the same
 * transaction as the insert (atomic on PostgreSQL and PGlite alike), so concurrent creates never share a number.
 * Every change of a ticket and its history event are written in one transaction. Every query carries tenant_id.
 */
import { and, count, desc, eq, inArray, asc, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { conversations, ticketEvents, tickets, ticketSequences } from "./schema";

export const TICKET_STATUSES = ["open", "pending", "solved", "closed"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const TICKET_SOURCES = ["chat", "api", "agent"] as const;
export type TicketSource = (typeof TICKET_SOURCES)[number];
export const TICKET_EVENT_KINDS = ["created", "status", "assignment", "priority", "tags", "note", "reply", "answer_approved"] as const;
export type TicketEventKind = (typeof TICKET_EVENT_KINDS)[number];

export interface TicketRow {
  id: string;
  tenantId: string;
  number: number;
  status: TicketStatus;
  priority: TicketPriority;
  category: string;
  subject: string;
  summary: string;
  assigneeId: string | null;
  tags: string[];
  conversationId: string | null;
  requesterOwnerId: string | null;
  requesterEmail: string | null;
  source: TicketSource;
  createdAt: Date;
  updatedAt: Date;
  solvedAt: Date | null;
  closedAt: Date | null;
}

export interface TicketEventRow {
  id: string;
  tenantId: string;
  ticketId: string;
  kind: TicketEventKind;
  actorKind: string;
  actorId: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export type NewTicket = Omit<TicketRow, "number" | "createdAt" | "updatedAt" | "solvedAt" | "closedAt" | "status"> & { status?: TicketStatus };
export type NewTicketEvent = Pick<TicketEventRow, "kind" | "actorKind" | "actorId" | "data">;
export type TicketPatch = Partial<Pick<TicketRow, "status" | "priority" | "assigneeId" | "tags" | "solvedAt" | "closedAt">>;

export interface TicketQuery {
  tenantId: string;
  status?: TicketStatus;
  priority?: TicketPriority;
  assigneeId?: string;
  category?: string;
  /** Only tickets of conversations this owner opened (customers). */
  conversationOwnerId?: string;
  limit: number;
  offset: number;
}

const rowOf = (r: typeof tickets.$inferSelect): TicketRow => ({ ...r, status: r.status as TicketStatus, priority: r.priority as TicketPriority, source: r.source as TicketSource });
const eventOf = (r: typeof ticketEvents.$inferSelect): TicketEventRow => ({ ...r, kind: r.kind as TicketEventKind });
const eventId = () => `tev_${crypto.randomUUID()}`;

export class TicketRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the ticket with the tenant's next number and its "created" event. */
  async create(t: NewTicket, created: NewTicketEvent): Promise<TicketRow> {
    return this.db.transaction(async (tx) => {
      const [seq] = await tx
        .insert(ticketSequences)
        .values({ tenantId: t.tenantId, lastNumber: 1 })
        .onConflictDoUpdate({ target: ticketSequences.tenantId, set: { lastNumber: sql`${ticketSequences.lastNumber} + 1` } })
        .returning({ n: ticketSequences.lastNumber });
      const [row] = await tx
        .insert(tickets)
        .values({ ...t, status: t.status ?? "open", number: seq!.n })
        .returning();
      await tx.insert(ticketEvents).values({ id: eventId(), tenantId: t.tenantId, ticketId: row!.id, ...created });
      return rowOf(row!);
    });
  }

  async get(tenantId: string, id: string, conversationOwnerId?: string): Promise<TicketRow | null> {
    const conds: SQL[] = [eq(tickets.tenantId, tenantId), eq(tickets.id, id)];
    if (conversationOwnerId !== undefined) conds.push(this.ownedBy(tenantId, conversationOwnerId));
    const rows = await this.db.select().from(tickets).where(and(...conds)).limit(1);
    return rows[0] ? rowOf(rows[0]) : null;
  }

  async list(q: TicketQuery): Promise<{ items: TicketRow[]; total: number }> {
    const conds: SQL[] = [eq(tickets.tenantId, q.tenantId)];
    if (q.status) conds.push(eq(tickets.status, q.status));
    if (q.priority) conds.push(eq(tickets.priority, q.priority));
    if (q.assigneeId) conds.push(eq(tickets.assigneeId, q.assigneeId));
    if (q.category) conds.push(eq(tickets.category, q.category));
    if (q.conversationOwnerId !== undefined) conds.push(this.ownedBy(q.tenantId, q.conversationOwnerId));
    const where = and(...conds);
    const [rows, [t]] = await Promise.all([
      this.db.select().from(tickets).where(where).orderBy(desc(tickets.number)).limit(q.limit).offset(q.offset),
      this.db.select({ n: count() }).from(tickets).where(where),
    ]);
    return { items: rows.map(rowOf), total: Number(t?.n ?? 0) };
  }

  /**
   * Applies a patch and writes its events in one transaction, only if the ticket is still in `expectedStatus`
   * (a concurrent status change makes this return null, and nothing is written).
   */
  async update(tenantId: string, id: string, expectedStatus: TicketStatus, patch: TicketPatch, events: NewTicketEvent[]): Promise<TicketRow | null> {
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .update(tickets)
        .set({ ...patch, updatedAt: new Date() })
        .where(and(eq(tickets.tenantId, tenantId), eq(tickets.id, id), eq(tickets.status, expectedStatus)))
        .returning();
      if (!rows[0]) return null;
      if (events.length) await tx.insert(ticketEvents).values(events.map((e) => ({ id: eventId(), tenantId, ticketId: id, ...e })));
      return rowOf(rows[0]);
    });
  }

  /** Adds a history event (note, reply, approved answer) and touches the ticket's updated time. */
  async addEvent(tenantId: string, ticketId: string, e: NewTicketEvent): Promise<TicketEventRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.insert(ticketEvents).values({ id: eventId(), tenantId, ticketId, ...e }).returning();
      await tx.update(tickets).set({ updatedAt: new Date() }).where(and(eq(tickets.tenantId, tenantId), eq(tickets.id, ticketId)));
      return eventOf(row!);
    });
  }

  /** The ticket's history, oldest first; `kinds` limits it (customers never see internal notes). */
  async events(tenantId: string, ticketId: string, kinds?: readonly TicketEventKind[]): Promise<TicketEventRow[]> {
    const conds: SQL[] = [eq(ticketEvents.tenantId, tenantId), eq(ticketEvents.ticketId, ticketId)];
    if (kinds) conds.push(inArray(ticketEvents.kind, [...kinds]));
    const rows = await this.db.select().from(ticketEvents).where(and(...conds)).orderBy(asc(ticketEvents.at), asc(ticketEvents.id));
    return rows.map(eventOf);
  }

  private ownedBy(tenantId: string, ownerId: string): SQL {
    return inArray(
      tickets.conversationId,
      this.db.select({ id: conversations.id }).from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.ownerId, ownerId))),
    );
  }
}
