import { t } from "elysia";

const part = t.Object({ type: t.String(), text: t.Optional(t.String()) }, { additionalProperties: true });

export const chatCompletionBody = t.Object(
  {
    model: t.Optional(t.String({ maxLength: 200, description: "Accepted for compatibility; the answer comes from the configured generator" })),
    messages: t.Array(
      t.Object(
        {
          role: t.Union([t.Literal("system"), t.Literal("developer"), t.Literal("user"), t.Literal("assistant"), t.Literal("tool")]),
          content: t.Union([t.String(), t.Array(part), t.Null()]),
        },
        { additionalProperties: true },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    stream: t.Optional(t.Boolean()),
    stream_options: t.Optional(t.Object({ include_usage: t.Optional(t.Boolean()) }, { additionalProperties: true })),
    max_tokens: t.Optional(t.Integer({ minimum: 1, description: "Cap on the answer's tokens; finish_reason is `length` when the answer was cut" })),
    max_completion_tokens: t.Optional(t.Integer({ minimum: 1, description: "The newer name of max_tokens (takes precedence)" })),
    n: t.Optional(t.Integer({ minimum: 1, description: "Only 1 is supported (400 otherwise)" })),
    // Declared so they reach the check that refuses them (400 invalid_request_error) rather than being dropped.
    ...Object.fromEntries(
      ["tools", "tool_choice", "functions", "function_call", "parallel_tool_calls", "logprobs", "top_logprobs", "logit_bias", "response_format", "modalities", "audio", "prediction"].map(
        (name) => [name, t.Optional(t.Unknown({ description: "Not supported beyond its neutral value (400 invalid_request_error otherwise)" }))],
      ),
    ),
  },
  { additionalProperties: true },
);

export type ChatCompletionBody = typeof chatCompletionBody.static;

export const modelParams = t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) });
