import { randomUUID } from "node:crypto";
import { Elysia } from "elysia";
import { scopeOf } from "../../auth/principal";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import type { AnswerEvent } from "../../streaming/events";
import { answerEventResponse, parseLastEventId } from "../../streaming/sse";
import { conversationParams, createConversationBody, listConversationsQuery, messageBody, messageParams, resumeQuery } from "./model";
import { answerMessage, createConversation, deleteConversation, getConversation, listConversations, resumeAnswer, startAnswer } from "./service";

const STREAM_DESCRIPTION =
  "Server-sent events, each with an `id:`: `meta` (messageId, standalone question, slots, route, generator), `delta` {text}, " +
  "`citation` {n, documentId, title, page, snippet}, then one `done` (the persisted message) or `error` {code, message}. " +
  "A `: ping` comment every SSE_HEARTBEAT_MS. Reconnect with GET .../messages/{messageId}/stream and Last-Event-ID.";

export const conversationsModule = (services: Services) => {
  const sse = (events: AsyncIterable<AnswerEvent>, messageId: string) =>
    answerEventResponse(events, { heartbeatMs: services.config.streaming.heartbeatMs, retryMs: 2000, headers: { "x-message-id": messageId } });
  return new Elysia({ name: "module:conversations" })
    .use(authPlugin(services.auth))
    .derive(({ auth }) => ({ scope: scopeOf(auth) }))
    .post(
      "/v1/conversations",
      async ({ body, set, scope }) => {
        set.status = 201;
        return createConversation(services, scope, body ?? {});
      },
      { body: createConversationBody, detail: { tags: ["conversations"], summary: "Start a conversation" } },
    )
    .get("/v1/conversations", async ({ query, scope }) => await listConversations(services, scope, query), {
      query: listConversationsQuery,
      detail: { tags: ["conversations"], summary: "List conversations, most recently active first (paged)" },
    })
    .get("/v1/conversations/:id", async ({ params, scope }) => await getConversation(services, scope, params.id), {
      params: conversationParams,
      detail: { tags: ["conversations"], summary: "A conversation with its messages (assistant messages carry citations and feedback counts)" },
    })
    .delete("/v1/conversations/:id", async ({ params, scope }) => await deleteConversation(services, scope, params.id), {
      params: conversationParams,
      detail: { tags: ["conversations"], summary: "Delete a conversation, its messages and their feedback (a running answer is cancelled)" },
    })
    .post("/v1/conversations/:id/messages", async ({ params, body, scope }) => await answerMessage(services, scope, params.id, body.content), {
      params: conversationParams,
      body: messageBody,
      detail: {
        tags: ["conversations"],
        summary: "Ask; returns the persisted answer",
        description: "Returns {messageId, answer, citations[{n, documentId, title, page, snippet}], decision PASS|ASK_USER|ESCALATE, confidence, timings, status}.",
      },
    })
    .post(
      "/v1/conversations/:id/messages/stream",
      async ({ params, body, scope }) => {
        const consumer = `sse:${randomUUID()}`;
        const live = await startAnswer(services, scope, params.id, body.content, consumer);
        return sse(live.events(consumer), live.messageId);
      },
      { params: conversationParams, body: messageBody, detail: { tags: ["conversations"], summary: "Ask; streams the answer over SSE", description: STREAM_DESCRIPTION } },
    )
    .get(
      "/v1/conversations/:id/messages/:messageId/stream",
      async ({ params, query, request, scope }) => {
        const after = parseLastEventId(request.headers.get("last-event-id"), query.lastEventId);
        const events = await resumeAnswer(services, scope, params.id, params.messageId, after, `sse:${randomUUID()}`);
        return sse(events, params.messageId);
      },
      {
        params: messageParams,
        query: resumeQuery,
        detail: {
          tags: ["conversations"],
          summary: "Resume an answer's SSE stream after Last-Event-ID (header or ?lastEventId); any replica can serve it",
          description: STREAM_DESCRIPTION,
        },
      },
    );
};
