/**
 * POST /v1/route: what the answer pipeline would do with a message, without answering it: the prepare stages
 * (understand, route, and whatever else prepares) run on the message, with the conversation's history when one
 * is named, and their decision is returned: intent, route, confidence, slots, the standalone rewrite.
 */
import { errors } from "../../../core/errors";
import { newContext } from "../../pipeline/stage";
import type { Services } from "../../services";
import { checkContent, HISTORY_MESSAGES, historyOf } from "../conversations/service";

export async function routeMessage(services: Pick<Services, "answerPipeline" | "conversations" | "config">, tenantId: string, body: { query: string; conversationId?: string }) {
  const content = checkContent(body.query, services.config.limits.maxQueryChars);
  let history: ReturnType<typeof historyOf> = [];
  if (body.conversationId) {
    const conversation = await services.conversations.get(tenantId, body.conversationId);
    if (!conversation) throw errors.notFound("conversation", body.conversationId);
    history = historyOf((await services.conversations.messages(tenantId, body.conversationId, HISTORY_MESSAGES)).slice(-HISTORY_MESSAGES));
  }
  const ctx = newContext({ tenantId, content, history });
  await services.answerPipeline.prepare(ctx);
  const slots = ctx.understanding?.slots ?? { orderNumbers: [], skus: [], emails: [], dates: [] };
  return {
    intent: ctx.meta.intent ?? "other",
    route: ctx.route,
    confidence: ctx.meta.intentConfidence ?? (ctx.meta.routeReason ? 1 : 0),
    reason: ctx.meta.routeReason ?? "no-classifier",
    slots,
    rewritten: ctx.understanding?.question ?? content,
    alternatives: ctx.intent?.alternatives ?? [],
    timings: ctx.timings,
  };
}
