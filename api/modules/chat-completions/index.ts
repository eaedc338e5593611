import { Elysia } from "elysia";
import type { Services } from "../../services";
import { chatCompletionBody } from "./model";
import { completeChat, parseChatRequest, streamChat } from "./service";

export const chatCompletionsModule = (services: Services) =>
  new Elysia({ name: "module:chat-completions" }).post(
    "/v1/chat/completions",
    async ({ body, request }) => {
      const req = parseChatRequest(body, services.config.limits.maxMessageChars);
      const tenant = services.config.defaultTenant;
      return req.stream
        ? await streamChat(services, tenant, req, services.config.streaming.heartbeatMs, request.signal)
        : await completeChat(services, tenant, req, request.signal);
    },
    {
      body: chatCompletionBody,
      detail: {
        tags: ["openai-compatible"],
        summary: "OpenAI-compatible chat completion (stream and non-stream) over the answer pipeline",
        description:
          "The last user message is the question; earlier user/assistant messages are history. Extra fields: `citations` " +
          "[{n, documentId, title, page, snippet}], `decision` (PASS | ASK_USER | ESCALATE) and `confidence`, on the completion and on " +
          "the final chunk of a stream. `usage` is always on the completion; in a stream with stream_options.include_usage. Nothing is stored.",
      },
    },
  );
