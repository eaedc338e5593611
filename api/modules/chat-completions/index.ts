import { Elysia } from "elysia";
import { errors } from "../../../core/errors";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import { chatCompletionBody, modelParams } from "./model";
import { completeChat, listModels, modelOf, parseChatRequest, streamChat } from "./service";

/**
 * The OpenAI-compatible routes: POST /v1/chat/completions, GET /v1/models, GET /v1/models/:id. Their errors are
 * the standard `{error: {code, message}}` plus OpenAI's `type` (invalid_request_error, not_found_error, ...) and
 * `param`, so OpenAI clients read them (api/plugins/errors.ts adds those for paths under these routes).
 */
export const chatCompletionsModule = (services: Services) => {
  // Stable across calls: the time this module was built stands for the model's creation.
  const created = Math.floor(Date.now() / 1000);
  return new Elysia({ name: "module:chat-completions" })
    .use(authPlugin(services.auth))
    .post(
      "/v1/chat/completions",
      async ({ body, request, auth }) => {
        const req = parseChatRequest(body, services.config.limits.maxMessageChars);
        const tenant = auth.tenantId;
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
            "the final chunk of a stream. `usage` is always on the completion; in a stream with stream_options.include_usage. Nothing is stored. " +
            "`max_tokens` / `max_completion_tokens` cap the answer (finish_reason `length` when cut). Unsupported parameters (n > 1, tools, " +
            "tool_choice, functions, function_call, logprobs, top_logprobs, logit_bias, response_format other than text, audio, modalities " +
            "other than text, prediction) are refused with 400 and an OpenAI-style error `{error: {message, type: invalid_request_error, param, code}}`.",
        },
      },
    )
    .get("/v1/models", () => listModels(services.generator.id, created), {
      detail: { tags: ["openai-compatible"], summary: "OpenAI model list: the configured generator (the `model` completions report)" },
    })
    .get(
      "/v1/models/:id",
      ({ params }) => {
        if (params.id !== services.generator.id) throw errors.notFound("model", params.id);
        return modelOf(params.id, created);
      },
      { params: modelParams, detail: { tags: ["openai-compatible"], summary: "One model of the OpenAI model list (404 for another id)" } },
    );
};
