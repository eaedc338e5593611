/**
 * Webhook receivers and the delivery queue. A delivery is a row from the moment its event is emitted until it
 * is delivered or given up, so pending deliveries survive a restart. Senders claim due rows with a lease
 * (`locked_until`, FOR UPDATE SKIP LOCKED), so replicas sharing a database never send one delivery twice at once,
 * and a claim a crashed sender left behind runs out and is picked up again.
 */
import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
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

/** Rows of a raw statement: postgres.js returns an array, PGlite an object with `rows`. */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];

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
   * Claims up to `limit` due pending deliveries for `leaseMs`, oldest due first, in one statement (FOR UPDATE
   * SKIP LOCKED, so concurrent senders take disjoint rows). With `perReceiver`, a receiver gets no more than that
   * many claimed at once, counting the claims every sender holds (two replicas claiming in the same instant may
   * each fill the share once). Returns each delivery with its receiver as it is now (null: deleted meanwhile).
   */
  async claimDue(limit: number, leaseMs: number, o: { now?: Date; perReceiver?: number } = {}): Promise<ClaimedDelivery[]> {
    const now = (o.now ?? new Date()).toISOString();
    const until = new Date(Date.parse(now) + leaseMs).toISOString();
    const per = o.perReceiver ?? 2_147_483_647;
    const d = webhookDeliveries;
    const claimed = rowsOf<{ id: string }>(
      await this.db.execute(sql`
        WITH in_flight AS (
          SELECT ${d.receiverId} AS receiver_id, count(*)::int AS n FROM ${d}
          WHERE ${d.status} = 'pending' AND ${d.lockedUntil} > ${now}::timestamptz
          GROUP BY ${d.receiverId}
        ), candidates AS (
          SELECT ${d.id} AS id, ${d.receiverId} AS receiver_id, ${d.nextAttemptAt} AS next_attempt_at FROM ${d}
          WHERE ${d.status} = 'pending' AND ${d.nextAttemptAt} <= ${now}::timestamptz
            AND (${d.lockedUntil} IS NULL OR ${d.lockedUntil} <= ${now}::timestamptz)
            AND ${d.receiverId} NOT IN (SELECT receiver_id FROM in_flight WHERE n >= ${per})
          ORDER BY ${d.nextAttemptAt}
          LIMIT ${limit * 4}
          FOR UPDATE SKIP LOCKED
        ), ranked AS (
          SELECT c.id, c.next_attempt_at,
            row_number() OVER (PARTITION BY c.receiver_id ORDER BY c.next_attempt_at, c.id) + coalesce(f.n, 0) AS slot
          FROM candidates c LEFT JOIN in_flight f ON f.receiver_id = c.receiver_id
        ), picked AS (
          SELECT id FROM ranked WHERE slot <= ${per} ORDER BY next_attempt_at, id LIMIT ${limit}
        )
        UPDATE ${d} SET ${sql.identifier("locked_until")} = ${until}::timestamptz FROM picked
        WHERE ${d.id} = picked.id
        RETURNING ${d.id} AS id`),
    );
    if (!claimed.length) return [];
    const rows = await this.db
      .select({ delivery: webhookDeliveries, receiver: webhookReceivers })
      .from(webhookDeliveries)
      .leftJoin(webhookReceivers, and(eq(webhookReceivers.id, webhookDeliveries.receiverId), eq(webhookReceivers.tenantId, webhookDeliveries.tenantId)))
      .where(inArray(webhookDeliveries.id, claimed.map((c) => c.id)))
      .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id));
    return rows.map((r) => ({ ...deliveryOf(r.delivery), receiver: r.receiver ? receiverOf(r.receiver) : null }));
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
