/**
 * Conversations: create, list, read with messages, delete; answering a message (streamed or not) and resuming
 * an answer's stream. Validation of what the customer sent happens here: an empty message is 422, one longer
 * than MAX_MESSAGE_CHARS 413, an unknown conversation 404, a second message while an answer is running 409.
 */
import { randomUUID } from "node:crypto";
import type { MessageInfo } from "../../../core/db/conversation-repository";
import { AppError, errors, isAppError } from "../../../core/errors";
import type { Scope } from "../../auth/principal";
import type { HistoryTurn } from "../../pipeline/stage";
import type { Services } from "../../services";
import type { LiveAnswer } from "../../streaming/answer-streams";
import { isTerminal, terminalEvent, viewOfMessage, type AnswerEvent, type AnswerView } from "../../streaming/events";
import type { CreateConversationBody, ListConversationsQuery } from "./model";

const MAX_METADATA_BYTES = 16 * 1024;
/** Recent messages (user and assistant) given to understand and generate. */
export const HISTORY_MESSAGES = 6;

export type ConversationServices = Pick<Services, "config" | "conversations" | "answers" | "streamBuffer">;

export async function createConversation(s: ConversationServices, scope: Scope, body: CreateConversationBody = {}) {
  const metadata = body.metadata;
  if (metadata !== undefined && (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))) {
    throw errors.invalid("INVALID_METADATA", "metadata must be a JSON object");
  }
  if (metadata && JSON.stringify(metadata).length > MAX_METADATA_BYTES) {
    throw errors.tooLarge("METADATA_TOO_LARGE", `metadata is larger than ${MAX_METADATA_BYTES} bytes as JSON`);
  }
  return s.conversations.create({
    id: `conv_${randomUUID()}`,
    tenantId: scope.tenantId,
    ownerId: scope.creatorId,
    sourceType: body.sourceType,
    sourceId: body.sourceId,
    metadata: metadata as Record<string, unknown> | undefined,
  });
}

export async function listConversations(s: ConversationServices, scope: Scope, q: ListConversationsQuery) {
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  const { items, total } = await s.conversations.list({ tenantId: scope.tenantId, ownerId: scope.ownerId, limit, offset, sourceType: q.sourceType, sourceId: q.sourceId });
  return { items, total, limit, offset };
}

export function messageView(m: MessageInfo, feedback?: { up: number; down: number }) {
  return {
    id: m.id,
    role: m.role,
    content: m.content,
    status: m.status,
    createdAt: m.createdAt,
    ...(m.role === "assistant"
      ? { citations: m.citations, decision: m.decision, confidence: m.confidence, timings: m.timings ?? {}, feedback: feedback ?? { up: 0, down: 0 } }
      : {}),
    metadata: m.metadata,
  };
}

export async function getConversation(s: ConversationServices, scope: Scope, id: string) {
  const { tenantId } = scope;
  const conv = await s.conversations.get(tenantId, id, scope.ownerId);
  if (!conv) throw errors.notFound("conversation", id);
  const msgs = await s.conversations.messages(tenantId, id);
  const counts = await s.conversations.feedbackCounts(tenantId, msgs.filter((m) => m.role === "assistant").map((m) => m.id));
  return { ...conv, messages: msgs.map((m) => messageView(m, counts.get(m.id))) };
}

export async function deleteConversation(s: ConversationServices, scope: Scope, id: string) {
  const { tenantId } = scope;
  if (scope.ownerId !== undefined && !(await s.conversations.get(tenantId, id, scope.ownerId))) throw errors.notFound("conversation", id);
  const running = await s.conversations.leaseHolder(tenantId, id);
  if (running) await s.answers.cancel(running);
  if (!(await s.conversations.delete(tenantId, id, scope.ownerId))) throw errors.notFound("conversation", id);
  return { deleted: true, id };
}

/** The message text to answer: trimmed, not empty (422), at most `max` characters (413). */
export function checkContent(content: unknown, max: number): string {
  if (typeof content !== "string") throw errors.invalid("MESSAGE_INVALID", "content must be a string");
  const text = content.trim();
  if (!text) throw errors.invalid("MESSAGE_EMPTY", "the message is empty");
  if (text.length > max) throw errors.tooLarge("MESSAGE_TOO_LARGE", `the message is ${text.length} characters; the limit is ${max}`);
  return text;
}

export function historyOf(msgs: MessageInfo[]): HistoryTurn[] {
  return msgs
    .filter((m) => m.content && (m.role === "user" || m.status === "complete" || m.status === "partial"))
    .map((m) => {
      const standalone = (m.metadata as { standalone?: unknown }).standalone;
      return { role: m.role, content: m.content, ...(m.role === "user" && typeof standalone === "string" ? { standalone } : {}) };
    });
}

/**
 * Starts answering `content` in the conversation: takes the conversation's lease (409 CONVERSATION_BUSY while
 * another answer runs, on any replica), stores the user message and a `streaming` assistant message, and
 * launches the answer. `consumer` names the connection that streams it (its going away stops the work).
 */
export async function startAnswer(s: ConversationServices, scope: Scope, conversationId: string, content: unknown, consumer?: string): Promise<LiveAnswer> {
  const { tenantId } = scope;
  const text = checkContent(content, s.config.limits.maxMessageChars);
  const messageId = `msg_${randomUUID()}`;
  const userMessageId = `msg_${randomUUID()}`;
  // The lease's statement also checks the owner: another customer's conversation is "missing" (404).
  const lease = await s.conversations.acquireLease(tenantId, conversationId, messageId, s.config.streaming.leaseMs, scope.ownerId);
  if (lease === "missing") throw errors.notFound("conversation", conversationId);
  if (lease === "busy") {
    throw new AppError({
      code: "CONVERSATION_BUSY",
      message: "an answer is still being written in this conversation; wait for it (or cancel it) before sending the next message",
      category: "conflict",
      retryable: true,
      retryAfter: 1,
    });
  }
  const release = () => s.conversations.releaseLease(tenantId, conversationId, messageId);
  let history: HistoryTurn[];
  try {
    const now = Date.now();
    // Read the history and store the new turn at once (one round trip less before the first token); the new
    // messages are left out of the history whichever query the database runs first.
    const [earlier] = await Promise.all([
      s.conversations.messages(tenantId, conversationId, HISTORY_MESSAGES + 2),
      s.conversations.insertMessages([
        { id: userMessageId, tenantId, conversationId, role: "user", content: text, status: "complete", createdAt: new Date(now) },
        { id: messageId, tenantId, conversationId, role: "assistant", content: "", status: "streaming", createdAt: new Date(now + 1) },
      ]),
    ]);
    history = historyOf(earlier.filter((m) => m.id !== userMessageId && m.id !== messageId).slice(-HISTORY_MESSAGES));
  } catch (e) {
    await release().catch(() => {});
    throw e;
  }
  try {
    return await s.answers.launch({
      tenantId,
      ...(scope.customerEmail ? { customer: { email: scope.customerEmail } } : {}),
      conversationId,
      messageId,
      userMessageId,
      content: text,
      history,
      consumer,
      lease: { renew: () => s.conversations.renewLease(tenantId, conversationId, messageId, s.config.streaming.leaseMs), release },
    });
  } catch (e) {
    // Nothing was streamed and the request fails as a whole (e.g. 503, no backend and no fallback), but the
    // customer's message is kept, with the answer marked failed and why, so the conversation shows what happened.
    const error = isAppError(e) ? { code: e.code, message: e.message } : { code: "ANSWER_FAILED", message: "the answer could not be started" };
    await s.conversations.updateMessage(tenantId, messageId, { status: "failed", metadata: { error } }).catch(() => {});
    throw e;
  }
}

/** Answers without streaming: the persisted answer (a failed generation is a 503 naming its cause). */
export async function answerMessage(s: ConversationServices, scope: Scope, conversationId: string, content: unknown): Promise<AnswerView> {
  const live = await startAnswer(s, scope, conversationId, content);
  const view = await live.final;
  if (view.status === "failed" || view.error) {
    throw new AppError({
      code: view.error?.code ?? "ANSWER_FAILED",
      message: view.error?.message ?? "the answer could not be completed",
      category: "unavailable",
      details: { messageId: view.messageId },
    });
  }
  return view;
}

/** An assistant message of the conversation, or 404. */
export async function assistantMessage(s: ConversationServices, scope: Scope, conversationId: string | undefined, messageId: string): Promise<MessageInfo> {
  const m = await s.conversations.getMessage(scope.tenantId, messageId);
  if (!m || m.role !== "assistant" || (conversationId !== undefined && m.conversationId !== conversationId)) throw errors.notFound("message", messageId);
  if (scope.ownerId !== undefined && !(await s.conversations.get(scope.tenantId, m.conversationId, scope.ownerId))) throw errors.notFound("message", messageId);
  return m;
}

async function* once(events: AnswerEvent[]): AsyncIterableIterator<AnswerEvent> {
  yield* events;
}

/**
 * The events of an answer after `after` (the conversation, when given, must be the message's): replayed from the resume buffer and followed live while it runs (from
 * any replica); for a finished answer whose buffer expired, its `done` (or `error`) event rebuilt from the database.
 */
export async function resumeAnswer(s: ConversationServices, scope: Scope, conversationId: string | undefined, messageId: string, after: number, consumer: string): Promise<AsyncIterableIterator<AnswerEvent>> {
  const { tenantId } = scope;
  const m = await assistantMessage(s, scope, conversationId, messageId);
  const lastId = Number((m.metadata as { lastEventId?: unknown }).lastEventId ?? 0);
  if (m.status !== "streaming") {
    const backlog = await s.streamBuffer.read(messageId, after);
    if (backlog.some(isTerminal)) return once(backlog);
    return once(after >= lastId && lastId > 0 ? [] : [terminalEvent(Math.max(lastId, after + 1), viewOfMessage(m))]);
  }
  return s.answers.follow(messageId, after, consumer, async (last) => {
    const now = await s.conversations.getMessage(tenantId, messageId);
    if (!now) return { id: last + 1, event: "error", data: { code: "MESSAGE_NOT_FOUND", message: "the message was deleted", messageId } };
    if (now.status !== "streaming") {
      const rest = await s.streamBuffer.read(messageId, last);
      return rest.find(isTerminal) ?? terminalEvent(last + 1, viewOfMessage(now));
    }
    if ((await s.conversations.leaseHolder(tenantId, m.conversationId)) !== messageId) {
      return { id: last + 1, event: "error", data: { code: "ANSWER_ABANDONED", message: "the replica answering this message stopped; send the message again", messageId } };
    }
    return null;
  });
}
