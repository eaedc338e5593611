/**
 * Webhook receivers and the delivery queue. A delivery is a row from the moment its event is emitted until it
 * is delivered or given up, so pending deliveries survive a restart. Senders claim due rows with a lease
 * (`locked_until`, FOR UPDATE SKIP LOCKED), so replicas sharing a database never send one delivery twice at once,
 * and a claim a crashed sender left behind runs out and is picked up again.
 */
import { and, asc, count, desc, eq, gt, inArray, isNull, lte, notInArray, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { webhookDeliveries, webhookReceivers } from "./schema";

export interface WebhookReceiverRow {
  id: string;
  tenantId: string;
  url: string;
  events: string[];
  secret: string;
  active: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDeliveryRow {
  id: string;
  tenantId: string;
  receiverId: string;
  eventId: string;
  eventType: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lockedUntil: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

/** A claimed delivery with its receiver as it is now (null: deleted). */
export type ClaimedDelivery = WebhookDeliveryRow & { receiver: WebhookReceiverRow | null };

const receiverOf = (r: typeof webhookReceivers.$inferSelect): WebhookReceiverRow => ({ ...r, active: r.active !== 0 });
const deliveryOf = (r: typeof webhookDeliveries.$inferSelect): WebhookDeliveryRow => ({ ...r, status: r.status as DeliveryStatus });

export class WebhookRepository {
  constructor(private readonly db: Db) {}

  // --- receivers -------------------------------------------------------------------------------------------
  async createReceiver(r: Pick<WebhookReceiverRow, "id" | "tenantId" | "url" | "events" | "secret" | "createdBy">): Promise<WebhookReceiverRow> {
    const [row] = await this.db.insert(webhookReceivers).values(r).returning();
    return receiverOf(row!);
  }

  async receiver(tenantId: string, id: string): Promise<WebhookReceiverRow | null> {
    const rows = await this.db.select().from(webhookReceivers).where(and(eq(webhookReceivers.tenantId, tenantId), eq(webhookReceivers.id, id))).limit(1);
    return rows[0] ? receiverOf(rows[0]) : null;
  }

  async receivers(tenantId: string): Promise<WebhookReceiverRow[]> {
    const rows = await this.db.select().from(webhookReceivers).where(eq(webhookReceivers.tenantId, tenantId)).orderBy(desc(webhookReceivers.createdAt), desc(webhookReceivers.id));
    return rows.map(receiverOf);
  }

  /** Active receivers of the tenant subscribed to `event`. */
  async subscribers(tenantId: string, event: string): Promise<WebhookReceiverRow[]> {
    const rows = await this.db
      .select()
      .from(webhookReceivers)
      .where(and(eq(webhookReceivers.tenantId, tenantId), eq(webhookReceivers.active, 1), sql`${webhookReceivers.events} @> ${JSON.stringify([event])}::jsonb`));
    return rows.map(receiverOf);
  }

  async updateReceiver(tenantId: string, id: string, patch: Partial<Pick<WebhookReceiverRow, "url" | "events" | "active">>): Promise<WebhookReceiverRow | null> {
    const { active, ...rest } = patch;
    const set = { ...rest, ...(active === undefined ? {} : { active: active ? 1 : 0 }), updatedAt: new Date() };
    const rows = await this.db.update(webhookReceivers).set(set).where(and(eq(webhookReceivers.tenantId, tenantId), eq(webhookReceivers.id, id))).returning();
    return rows[0] ? receiverOf(rows[0]) : null;
  }

  /** Deletes the receiver and its delivery log (pending deliveries to it are dropped with it). */
  async deleteReceiver(tenantId: string, id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.delete(webhookReceivers).where(and(eq(webhookReceivers.tenantId, tenantId), eq(webhookReceivers.id, id))).returning({ id: webhookReceivers.id });
      if (rows.length) await tx.delete(webhookDeliveries).where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.receiverId, id)));
      return rows.length > 0;
    });
  }

  // --- deliveries ------------------------------------------------------------------------------------------
  async enqueue(rows: Pick<WebhookDeliveryRow, "id" | "tenantId" | "receiverId" | "eventId" | "eventType" | "body">[]): Promise<void> {
    if (!rows.length) return;
    const at = new Date();
    await this.db.insert(webhookDeliveries).values(rows.map((r) => ({ ...r, status: "pending", attempts: 0, nextAttemptAt: at })));
  }

  /**
   * Claims up to `limit` due pending deliveries for `leaseMs`, oldest due first. With `perReceiver`, a receiver
   * gets no more than that many claimed at once, counting the claims every sender holds (two replicas claiming
   * in the same instant may each fill the share once).
   */
  async claimDue(limit: number, leaseMs: number, o: { now?: Date; perReceiver?: number } = {}): Promise<ClaimedDelivery[]> {
    const now = o.now ?? new Date();
    const dueNow = and(
      eq(webhookDeliveries.status, "pending"),
      lte(webhookDeliveries.nextAttemptAt, now),
      or(isNull(webhookDeliveries.lockedUntil), lte(webhookDeliveries.lockedUntil, now)),
    );
    // The idle poll: one indexed read, no transaction, when nothing is due.
    const any = await this.db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(dueNow).limit(1);
    if (!any.length) return [];
    return this.db.transaction(async (tx) => {
      // Deliveries claimed now (by any replica) per receiver, and the receivers that have their share already.
      const used = new Map<string, number>();
      if (o.perReceiver) {
        const inFlight = await tx
          .select({ id: webhookDeliveries.receiverId, n: count() })
          .from(webhookDeliveries)
          .where(and(eq(webhookDeliveries.status, "pending"), gt(webhookDeliveries.lockedUntil, now)))
          .groupBy(webhookDeliveries.receiverId);
        for (const r of inFlight) used.set(r.id, Number(r.n));
      }
      const full = [...used].filter(([, n]) => n >= o.perReceiver!).map(([id]) => id);
      const candidates = await tx
        .select({ id: webhookDeliveries.id, receiverId: webhookDeliveries.receiverId })
        .from(webhookDeliveries)
        .where(and(dueNow, full.length ? notInArray(webhookDeliveries.receiverId, full) : undefined))
        .orderBy(asc(webhookDeliveries.nextAttemptAt))
        .limit(o.perReceiver ? limit * 4 : limit)
        .for("update", { skipLocked: true });
      const due = candidates
        .filter((c) => {
          if (!o.perReceiver) return true;
          const n = used.get(c.receiverId) ?? 0;
          if (n >= o.perReceiver) return false;
          used.set(c.receiverId, n + 1);
          return true;
        })
        .slice(0, limit);
      if (!due.length) return [];
      const rows = await tx
        .update(webhookDeliveries)
        .set({ lockedUntil: new Date(now.getTime() + leaseMs) })
        .where(inArray(webhookDeliveries.id, due.map((d) => d.id)))
        .returning();
      // Each with its receiver (null when it was deleted meanwhile), read once per claim, not once per delivery.
      const ids = [...new Set(rows.map((r) => r.receiverId))];
      const receivers = new Map((await tx.select().from(webhookReceivers).where(inArray(webhookReceivers.id, ids))).map((r) => [r.id, receiverOf(r)]));
      return rows.map((r) => {
        const receiver = receivers.get(r.receiverId);
        return { ...deliveryOf(r), receiver: receiver && receiver.tenantId === r.tenantId ? receiver : null };
      });
    });
  }

  /** Records one attempt's outcome and releases the claim. */
  async recordAttempt(
    id: string,
    outcome: { status: DeliveryStatus; attempts: number; nextAttemptAt?: Date; lastStatusCode: number | null; lastError: string | null },
  ): Promise<void> {
    const at = new Date();
    await this.db
      .update(webhookDeliveries)
      .set({
        status: outcome.status,
        attempts: outcome.attempts,
        lastStatusCode: outcome.lastStatusCode,
        lastError: outcome.lastError,
        lockedUntil: null,
        updatedAt: at,
        ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
        ...(outcome.status === "delivered" ? { deliveredAt: at } : {}),
      })
      .where(eq(webhookDeliveries.id, id));
  }

  async deliveries(q: { tenantId: string; receiverId: string; status?: DeliveryStatus; limit: number; offset: number }): Promise<{ items: WebhookDeliveryRow[]; total: number }> {
    const where = and(
      eq(webhookDeliveries.tenantId, q.tenantId),
      eq(webhookDeliveries.receiverId, q.receiverId),
      ...(q.status ? [eq(webhookDeliveries.status, q.status)] : []),
    );
    const [rows, [t]] = await Promise.all([
      this.db.select().from(webhookDeliveries).where(where).orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id)).limit(q.limit).offset(q.offset),
      this.db.select({ n: count() }).from(webhookDeliveries).where(where),
    ]);
    return { items: rows.map(deliveryOf), total: Number(t?.n ?? 0) };
  }
}
