/**
 * The order-status stage (produce, tool route): answers a question about one order from the personal tables
 * through the verified lookup (api/orders/order-lookup.ts). Verified (the message, or the pending request, names
 * the order and an email or postcode on it matches, or the signed-in customer's email is the order's): the
 * order's status, carrier, tracking and delivery date, decision PASS. Otherwise a request for proof that says
 * nothing about the order, not even whether it exists, decision ASK_USER. The answer is one typed event stream
 * like any other producer's, so the transform and settle stages (and persist) treat it alike.
 */
import type { StreamEvent } from "../../../core/ports/language-model";
import { describeOrder, type OrderLookup } from "../../orders/order-lookup";
import type { PipelineContext, StepStage } from "../stage";
import { ASK, NO_MATCH, pendingOrder, postcodesIn } from "../../orders/order-dialogue";

export const PRODUCER = "tool:order-lookup";

async function* reply(text: string, decision: "PASS" | "ASK_USER", confidence: number, reason: string): AsyncIterable<StreamEvent> {
  yield { type: "start", model: PRODUCER };
  yield { type: "delta", text };
  yield { type: "finish", reason: "stop", assessment: { decision, confidence, reason } };
}

export function orderStatusStage(orders: Pick<OrderLookup, "lookup">): StepStage {
  return {
    name: "order-status",
    kind: "produce",
    routes: ["tool"],
    async run(ctx: PipelineContext) {
      ctx.meta.generator = PRODUCER;
      const slots = ctx.understanding?.slots ?? { orderNumbers: [], emails: [], skus: [], dates: [] };
      const orderNumber = slots.orderNumbers[0] ?? pendingOrder(ctx.history);
      const proof = { emails: slots.emails, postcodes: postcodesIn(ctx.content), verifiedEmail: ctx.customer?.email };
      const gaveProof = proof.emails.length + proof.postcodes.length > 0;
      if (!orderNumber) {
        ctx.answer = { producer: PRODUCER, events: reply(ASK, "ASK_USER", 0.5, "order lookup: no order number") };
        return;
      }
      const found = await orders.lookup(ctx.tenantId, orderNumber, proof);
      ctx.answer = found.verified
        ? { producer: PRODUCER, events: reply(describeOrder(found), "PASS", 0.9, "order lookup: verified") }
        : { producer: PRODUCER, events: reply(gaveProof ? NO_MATCH : ASK, "ASK_USER", 0.5, "order lookup: not verified") };
    },
  };
}
