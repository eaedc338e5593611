/**
 * Conversations, their messages, message feedback, and the per-conversation answer lease.
 *
 * The lease (conversations.active_message_id + locked_until) keeps two answers of one conversation from running
 * at once on any replica: acquiring is one conditional UPDATE, so the database decides who wins. A lease that
 * was not renewed (the replica died) expires, and the next acquirer marks the abandoned answer as failed.
 */
import { and, asc, count, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { conversations, messageFeedback, messages } from "./schema";

export type MessageRole = "user" | "assistant" | "system";
export type MessageStatus = "complete" | "partial" | "streaming" | "failed";
export type FeedbackRating = "up" | "down";

export interface ConversationInfo {
  id: string;
  tenantId: string;
  sourceType: string | null;
  sourceId: string | null;
  /** Who opened it ("user:<id>", "widget:<session>", "token:<id>"); null for conversations from before accounts. */
  ownerId: string | null;
  status: string;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageInfo {
  id: string;
  tenantId: string;
  conversationId: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  citations: unknown[];
  decision: string | null;
  confidence: number | null;
  timings: Record<string, number> | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

export type NewMessage = Omit<MessageInfo, "citations" | "decision" | "confidence" | "timings" | "metadata"> &
  Partial<Pick<MessageInfo, "citations" | "decision" | "confidence" | "timings" | "metadata">>;

export type MessagePatch = Partial<Pick<MessageInfo, "content" | "status" | "citations" | "decision" | "confidence" | "timings" | "metadata">>;

export interface FeedbackInfo {
  id: string;
  messageId: string;
  conversationId: string;
  rating: FeedbackRating;
  comment: string | null;
  createdAt: Date;
}

export type LeaseResult = "acquired" | "busy" | "missing";

const conversationColumns = {
  id: conversations.id,
  tenantId: conversations.tenantId,
  sourceType: conversations.sourceType,
  sourceId: conversations.sourceId,
  ownerId: conversations.ownerId,
  status: conversations.status,
  metadata: conversations.metadata,
  createdAt: conversations.createdAt,
  updatedAt: conversations.updatedAt,
};

const messageColumns = {
  id: messages.id,
  tenantId: messages.tenantId,
  conversationId: messages.conversationId,
  role: messages.role,
  content: messages.content,
  status: messages.status,
  citations: messages.citations,
  decision: messages.decision,
  confidence: messages.confidence,
  timings: messages.timings,
  metadata: messages.metadata,
  createdAt: messages.createdAt,
};

/** The condition "opened by `ownerId`" when a caller may see only its own conversations. */
const owned = (ownerId: string | undefined) => (ownerId === undefined ? [] : [eq(conversations.ownerId, ownerId)]);

const leaseUntil = (ms: number) => sql`now() + make_interval(secs => ${ms / 1000})`;

export class ConversationRepository {
  constructor(private readonly db: Db) {}

  async create(c: Pick<ConversationInfo, "id" | "tenantId"> & Partial<Pick<ConversationInfo, "sourceType" | "sourceId" | "metadata" | "ownerId">>): Promise<ConversationInfo> {
    const rows = await this.db
      .insert(conversations)
      .values({ id: c.id, tenantId: c.tenantId, sourceType: c.sourceType ?? null, sourceId: c.sourceId ?? null, ownerId: c.ownerId ?? null, metadata: c.metadata ?? {} })
      .returning(conversationColumns);
    return rows[0]!;
  }

  /** The conversation, or null; with `ownerId`, only if that caller opened it. */
  async get(tenantId: string, id: string, ownerId?: string): Promise<ConversationInfo | null> {
    const rows = await this.db
      .select(conversationColumns)
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id), ...owned(ownerId)))
      .limit(1);
    return rows[0] ?? null;
  }

  /** Most recently active first. */
  async list(q: { tenantId: string; limit: number; offset: number; sourceType?: string; sourceId?: string; ownerId?: string }): Promise<{ items: (ConversationInfo & { messageCount: number })[]; total: number }> {
    const conds = [eq(conversations.tenantId, q.tenantId), ...owned(q.ownerId)];
    if (q.sourceType) conds.push(eq(conversations.sourceType, q.sourceType));
    if (q.sourceId) conds.push(eq(conversations.sourceId, q.sourceId));
    const where = and(...conds);
    // One query: a correlated count per listed conversation, built by drizzle so both sides are qualified (a
    // column inside a raw sql`` fragment is rendered bare, "id", which the subquery resolves to its own table).
    const counted = this.db
      .select({ n: count() })
      .from(messages)
      .where(and(eq(messages.tenantId, conversations.tenantId), eq(messages.conversationId, conversations.id)));
    const messageCount = sql<number>`(${counted})`.mapWith(Number);
    const [items, totals] = await Promise.all([
      this.db
        .select({ ...conversationColumns, messageCount })
        .from(conversations)
        .where(where)
        .orderBy(desc(conversations.updatedAt), asc(conversations.id))
        .limit(q.limit)
        .offset(q.offset),
      this.db.select({ n: count() }).from(conversations).where(where),
    ]);
    return { items, total: Number(totals[0]?.n ?? 0) };
  }

  /** Deletes the conversation with its messages and their feedback; false when there was none. */
  async delete(tenantId: string, id: string, ownerId?: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const gone = await tx
        .delete(conversations)
        .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id), ...owned(ownerId)))
        .returning({ id: conversations.id });
      if (!gone.length) return false;
      await tx.delete(messageFeedback).where(and(eq(messageFeedback.tenantId, tenantId), eq(messageFeedback.conversationId, id)));
      await tx.delete(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.conversationId, id)));
      return true;
    });
  }

  /** Inserts messages (one conversation) and marks the conversation as active now. */
  async insertMessages(rows: NewMessage[]): Promise<void> {
    if (!rows.length) return;
    await this.db.insert(messages).values(rows.map((r) => ({ ...r, citations: r.citations ?? [], metadata: r.metadata ?? {} })));
    await this.db
      .update(conversations)
      .set({ updatedAt: new Date() })
      .where(and(eq(conversations.tenantId, rows[0]!.tenantId), eq(conversations.id, rows[0]!.conversationId)));
  }

  async updateMessage(tenantId: string, id: string, patch: MessagePatch): Promise<void> {
    await this.db.update(messages).set(patch).where(and(eq(messages.tenantId, tenantId), eq(messages.id, id)));
  }

  async deleteMessages(tenantId: string, ids: string[]): Promise<void> {
    if (ids.length) await this.db.delete(messages).where(and(eq(messages.tenantId, tenantId), inArray(messages.id, ids)));
  }

  async getMessage(tenantId: string, id: string): Promise<MessageInfo | null> {
    const rows = await this.db.select(messageColumns).from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, id))).limit(1);
    return (rows[0] as MessageInfo | undefined) ?? null;
  }

  /** The conversation's messages, oldest first; with `last`, only the most recent `last` of them. */
  async messages(tenantId: string, conversationId: string, last?: number): Promise<MessageInfo[]> {
    const where = and(eq(messages.tenantId, tenantId), eq(messages.conversationId, conversationId));
    if (last === undefined) {
      return (await this.db.select(messageColumns).from(messages).where(where).orderBy(asc(messages.createdAt), asc(messages.id))) as MessageInfo[];
    }
    const rows = await this.db.select(messageColumns).from(messages).where(where).orderBy(desc(messages.createdAt), desc(messages.id)).limit(last);
    return (rows as MessageInfo[]).reverse();
  }

  /**
   * Takes the conversation's answer lease for `messageId` for `leaseMs`, unless another answer holds a live one.
   * An expired lease's answer that is still marked streaming was abandoned (its replica died): it becomes failed.
   */
  async acquireLease(tenantId: string, conversationId: string, messageId: string, leaseMs: number, ownerId?: string): Promise<LeaseResult> {
    const where = and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId), ...owned(ownerId));
    // One statement on the usual path: the sub-select in RETURNING reads the row as it was before this UPDATE
    // (the statement's snapshot), i.e. the answer that held the expired lease, if any.
    const won = await this.db
      .update(conversations)
      .set({ activeMessageId: messageId, lockedUntil: leaseUntil(leaseMs) })
      .where(and(where, or(isNull(conversations.lockedUntil), lt(conversations.lockedUntil, sql`now()`))))
      .returning({ previous: sql<string | null>`(select prev.active_message_id from conversations prev where prev.tenant_id = ${tenantId} and prev.id = ${conversationId})` });
    if (!won.length) return (await this.get(tenantId, conversationId, ownerId)) ? "busy" : "missing";
    const abandoned = won[0]!.previous;
    if (abandoned && abandoned !== messageId) {
      await this.db
        .update(messages)
        .set({ status: "failed", metadata: sql`${messages.metadata} || ${JSON.stringify({ error: { code: "ANSWER_ABANDONED", message: "the replica answering this message stopped" } })}::jsonb` })
        .where(and(eq(messages.tenantId, tenantId), eq(messages.id, abandoned), eq(messages.status, "streaming")));
    }
    return "acquired";
  }

  /** Extends a lease this answer still holds; false when it lost it. */
  async renewLease(tenantId: string, conversationId: string, messageId: string, leaseMs: number): Promise<boolean> {
    const rows = await this.db
      .update(conversations)
      .set({ lockedUntil: leaseUntil(leaseMs) })
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId), eq(conversations.activeMessageId, messageId)))
      .returning({ id: conversations.id });
    return rows.length > 0;
  }

  /** The message holding a live lease on the conversation, or null. */
  async leaseHolder(tenantId: string, conversationId: string): Promise<string | null> {
    const rows = await this.db
      .select({ active: conversations.activeMessageId })
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId), sql`${conversations.lockedUntil} >= now()`))
      .limit(1);
    return rows[0]?.active ?? null;
  }

  async releaseLease(tenantId: string, conversationId: string, messageId: string): Promise<void> {
    await this.db
      .update(conversations)
      .set({ activeMessageId: null, lockedUntil: null })
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId), eq(conversations.activeMessageId, messageId)));
  }

  async addFeedback(row: FeedbackInfo & { tenantId: string }): Promise<void> {
    await this.db.insert(messageFeedback).values(row);
  }

  /** Up and down counts per message (messages without feedback are absent). */
  async feedbackCounts(tenantId: string, messageIds: string[]): Promise<Map<string, { up: number; down: number }>> {
    const out = new Map<string, { up: number; down: number }>();
    if (!messageIds.length) return out;
    const rows = await this.db
      .select({ messageId: messageFeedback.messageId, rating: messageFeedback.rating, n: count() })
      .from(messageFeedback)
      .where(and(eq(messageFeedback.tenantId, tenantId), inArray(messageFeedback.messageId, messageIds)))
      .groupBy(messageFeedback.messageId, messageFeedback.rating);
    for (const r of rows) {
      const c = out.get(r.messageId) ?? { up: 0, down: 0 };
      if (r.rating === "up" || r.rating === "down") c[r.rating] = Number(r.n);
      out.set(r.messageId, c);
    }
    return out;
  }

  /** Feedback on one message, newest first. */
  async feedbackOf(tenantId: string, messageId: string, limit = 100): Promise<FeedbackInfo[]> {
    const rows = await this.db
      .select({
        id: messageFeedback.id,
        messageId: messageFeedback.messageId,
        conversationId: messageFeedback.conversationId,
        rating: messageFeedback.rating,
        comment: messageFeedback.comment,
        createdAt: messageFeedback.createdAt,
      })
      .from(messageFeedback)
      .where(and(eq(messageFeedback.tenantId, tenantId), eq(messageFeedback.messageId, messageId)))
      .orderBy(desc(messageFeedback.createdAt), desc(messageFeedback.id))
      .limit(limit);
    return rows as FeedbackInfo[];
  }
}
