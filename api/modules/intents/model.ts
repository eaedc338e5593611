import { t } from "elysia";

const fields = {
  description: t.String({ maxLength: 500, description: "What the intent covers (shown to admins, and to the LLM classifier when one is configured)" }),
  route: t.String({ description: "answer | tool | ticket | handoff | clarify (422 UNKNOWN_ROUTE otherwise)" }),
  examples: t.Array(t.String(), { description: "Messages customers send with this intent (1-500, each at most 500 characters)" }),
  threshold: t.Union([t.Number({ minimum: 0, maximum: 1 }), t.Null()], { description: "Least cosine to the nearest example for a message to count as this intent; null: the router's default" }),
  reply: t.Union([t.String(), t.Null()], { description: "What the clarify route says for this intent (greetings, thanks); null: a generic question" }),
};

export const createIntentBody = t.Object(
  { name: t.String({ description: "Lower-case identifier, unique in the tenant" }), description: t.Optional(fields.description), route: fields.route, examples: fields.examples, threshold: t.Optional(fields.threshold), reply: t.Optional(fields.reply) },
  { additionalProperties: false },
);

export const patchIntentBody = t.Object(
  { name: t.Optional(t.String()), description: t.Optional(fields.description), route: t.Optional(fields.route), examples: t.Optional(fields.examples), threshold: t.Optional(fields.threshold), reply: t.Optional(fields.reply) },
  { additionalProperties: false },
);

export const intentResponse = t.Object({
  name: t.String(),
  description: t.String(),
  route: t.String(),
  examples: t.Array(t.String()),
  threshold: t.Optional(t.Number()),
  reply: t.Optional(t.String()),
  createdAt: t.Optional(t.String()),
  updatedAt: t.Optional(t.String()),
});

export const intentSetResponse = t.Object({
  version: t.Integer({ description: "0 while the tenant routes by the built-in defaults; each change adds one" }),
  customised: t.Boolean(),
  intents: t.Array(intentResponse),
});
