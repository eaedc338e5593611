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
    n: t.Optional(t.Integer({ minimum: 1, maximum: 1 })),
  },
  { additionalProperties: true },
);

export type ChatCompletionBody = typeof chatCompletionBody.static;
