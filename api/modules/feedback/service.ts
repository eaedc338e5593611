/** Feedback on assistant messages: stored one row per rating, counted per message. */
import { randomUUID } from "node:crypto";
import { errors } from "../../../core/errors";
import type { Scope } from "../../auth/principal";
import type { Services } from "../../services";
import { MAX_COMMENT_CHARS, type FeedbackBody } from "./model";

type FeedbackServices = Pick<Services, "conversations">;

async function ratedMessage(s: FeedbackServices, scope: Scope, messageId: string) {
  const m = await s.conversations.getMessage(scope.tenantId, messageId);
  // A customer rates only answers in its own conversations; another's message is as unknown as a missing one.
  if (!m || (scope.ownerId !== undefined && !(await s.conversations.get(scope.tenantId, m.conversationId, scope.ownerId)))) throw errors.notFound("message", messageId);
  if (m.role !== "assistant") throw errors.invalid("FEEDBACK_TARGET_INVALID", "feedback rates an assistant answer; this message was written by the customer");
  return m;
}

export async function addFeedback(s: FeedbackServices, scope: Scope, messageId: string, body: FeedbackBody) {
  const { tenantId } = scope;
  const comment = body.comment?.trim() || null;
  if (comment && comment.length > MAX_COMMENT_CHARS) {
    throw errors.tooLarge("COMMENT_TOO_LARGE", `the comment is ${comment.length} characters; the limit is ${MAX_COMMENT_CHARS}`);
  }
  const m = await ratedMessage(s, scope, messageId);
  const row = { id: `fb_${randomUUID()}`, tenantId, messageId, conversationId: m.conversationId, rating: body.rating, comment, createdAt: new Date() };
  await s.conversations.addFeedback(row);
  const counts = (await s.conversations.feedbackCounts(tenantId, [messageId])).get(messageId) ?? { up: 0, down: 0 };
  const { tenantId: _t, ...view } = row;
  return { ...view, counts };
}

export async function listFeedback(s: FeedbackServices, scope: Scope, messageId: string) {
  const { tenantId } = scope;
  await ratedMessage(s, scope, messageId);
  const [items, counts] = await Promise.all([s.conversations.feedbackOf(tenantId, messageId), s.conversations.feedbackCounts(tenantId, [messageId])]);
  return { messageId, counts: counts.get(messageId) ?? { up: 0, down: 0 }, items };
}
