import { t } from "elysia";

export const routeBody = t.Object(
  {
    query: t.String({ description: "The customer's message" }),
    conversationId: t.Optional(t.String({ description: "Route it as the next message of this conversation (follow-ups are rewritten with its history)" })),
  },
  { additionalProperties: false },
);

const score = t.Object({ intent: t.String(), confidence: t.Number() });

export const routeResponse = t.Object({
  intent: t.String({ description: 'The intent ("other" when none covers the message)' }),
  route: t.String({ description: "answer | tool | ticket | handoff | clarify" }),
  confidence: t.Number({ description: "Calibrated confidence of the intent (1 for a rule such as an order number)" }),
  reason: t.String({ description: "order-number, pending-proof, intent, out-of-scope, no-personal-data, no-order-named, no-<route>-stage, or no-classifier" }),
  slots: t.Object({ orderNumbers: t.Array(t.String()), skus: t.Array(t.String()), emails: t.Array(t.String()), dates: t.Array(t.String()) }),
  rewritten: t.String({ description: "The standalone question the message was understood as" }),
  alternatives: t.Array(score),
  timings: t.Record(t.String(), t.Number()),
});
