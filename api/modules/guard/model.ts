import { t } from "elysia";

export const MAX_CHECK_CHARS = 100_000;

export const guardCheckBody = t.Object({
  text: t.String({ maxLength: MAX_CHECK_CHARS, description: "The text to check: a customer message, a passage or an answer" }),
  stage: t.Union([t.Literal("input"), t.Literal("retrieval"), t.Literal("output")], { description: "Which rail checks it" }),
  context: t.Optional(
    t.Object({
      passages: t.Optional(t.Array(t.String({ maxLength: 20_000 }), { maxItems: 20, description: "output: the passages the answer was given; [n] cites passages[n - 1]" })),
      previousTurns: t.Optional(t.Array(t.String({ maxLength: 20_000 }), { maxItems: 10, description: "input: the customer's earlier messages, oldest first" })),
    }),
  ),
});

export type GuardCheckBody = typeof guardCheckBody.static;

const violation = t.Object({
  rail: t.String(),
  rule: t.String(),
  span: t.Union([t.Tuple([t.Integer(), t.Integer()]), t.Null()]),
  score: t.Number(),
});

export const guardCheckResponse = t.Object({
  allowed: t.Boolean(),
  action: t.String({ description: "allow | redact | neutralize | remove | escalate | block" }),
  violations: t.Array(violation),
  layers: t.Array(t.Object({ layer: t.String(), verdict: t.String(), reason: t.String(), ms: t.Number() })),
  text: t.String({ description: "The text as the pipeline would use it (PII redacted, instructions neutralised, unsupported sentences removed)" }),
});

const num = (o: { minimum: number; maximum: number }) => t.Optional(t.Number(o));
const bool = () => t.Optional(t.Boolean());

/** Every field is optional: a field left out takes its default (the service checks ranges and names a bad field). */
export const guardConfigBody = t.Object({
  input: t.Optional(
    t.Object({
      enabled: bool(),
      blockScore: num({ minimum: 0.1, maximum: 10 }),
      exemplars: bool(),
      exemplarBlock: num({ minimum: 0, maximum: 1 }),
      exemplarAssist: num({ minimum: 0, maximum: 1 }),
      judge: bool(),
      maxChars: t.Optional(t.Integer({ minimum: 1, maximum: 100_000 })),
      turns: t.Optional(t.Integer({ minimum: 0, maximum: 10 })),
    }),
  ),
  pii: t.Optional(t.Object({ enabled: bool(), kinds: t.Optional(t.Array(t.String(), { maxItems: 20 })) })),
  retrieval: t.Optional(t.Object({ enabled: bool(), blockScore: num({ minimum: 0.1, maximum: 10 }) })),
  output: t.Optional(
    t.Object({
      enabled: bool(),
      unsupported: t.Optional(t.Union([t.Literal("remove"), t.Literal("escalate")])),
      minSupport: num({ minimum: 0, maximum: 1 }),
      minEncoderSupport: num({ minimum: 0, maximum: 1 }),
      holdChars: t.Optional(t.Integer({ minimum: 0, maximum: 10_000 })),
      maxRemovedShare: num({ minimum: 0, maximum: 1 }),
    }),
  ),
  sensitiveWords: t.Optional(t.Array(t.Object({ term: t.String({ maxLength: 200 }), action: t.Union([t.Literal("block"), t.Literal("mask")]) }), { maxItems: 500 })),
});
