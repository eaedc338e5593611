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
import { pendingOrder, postcodesIn } from "./route";

export const PRODUCER = "tool:order-lookup";
const ASK = "To look up an order I first need to check that it is yours: please send the order number together with the email address (or postcode) used for the order.";
const NO_MATCH = "I could not match those details to an order. Please check the order number and send it again with the email address (or postcode) used for the order.";
/** How the stage's requests for proof begin (the route stage recognises the reply to one). */
export const ASKED_FOR_PROOF = [ASK.slice(0, 40), NO_MATCH.slice(0, 40)];

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
      const orderNumber = slots.orderNumbers[0] ?? pendingOrder(ctx);
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
