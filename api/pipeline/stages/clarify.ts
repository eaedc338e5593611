/**
 * The clarify stage (produce, clarify route): a question back instead of an answer. An intent of the clarify
 * route may carry its own reply (a greeting back, a closing line: see api/routing/default-intents.ts); otherwise
 * the customer is asked what they need. Decision ASK_USER: nothing was answered, the conversation waits for them.
 */
import type { StreamEvent } from "../../../core/ports/language-model";
import type { PipelineContext, StepStage } from "../stage";

export const PRODUCER = "clarify";
export const GENERIC_CLARIFY = "Could you tell me a little more about what you need help with? For example an order, a delivery, a return or one of our products.";

async function* reply(text: string, reason: string): AsyncIterable<StreamEvent> {
  yield { type: "start", model: PRODUCER };
  yield { type: "delta", text };
  yield { type: "finish", reason: "stop", assessment: { decision: "ASK_USER", confidence: 0.9, reason } };
}

export function clarifyStage(): StepStage {
  return {
    name: "clarify",
    kind: "produce",
    routes: ["clarify"],
    run(ctx: PipelineContext) {
      ctx.meta.generator = PRODUCER;
      const text = ctx.intent?.reply ?? GENERIC_CLARIFY;
      ctx.answer = { producer: PRODUCER, events: reply(text, `clarify: ${ctx.intent?.name ?? "unclear"}`) };
    },
  };
}
