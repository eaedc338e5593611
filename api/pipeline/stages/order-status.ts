/**
 * The order-status stage (produce, tool route): answers a question about one order from the personal tables
 * through the verified lookup (api/orders/order-lookup.ts). Verified (the message or the signed-in account
 * brings an email or postcode of the order): the order's status, carrier, tracking number, estimated delivery
 * and order date, as far as the row has them, never its personal fields; decision PASS. Otherwise a request for
 * the email or postcode that says nothing about the order, not even whether it exists; decision ASK_USER. The
 * answer is one typed event stream like any other producer's, so the transform and settle stages (persist
 * among them) treat it alike.
 */
import type { Decision, StreamEvent } from "../../../core/ports/language-model";
import { ASK, describeOrder, NO_MATCH, orderRequest } from "../../orders/order-dialogue";
import type { OrderLookup } from "../../orders/order-lookup";
import type { PipelineContext, StepStage } from "../stage";

export const PRODUCER = "tool:order-lookup";

async function* reply(text: string, decision: Decision, confidence: number, reason: string): AsyncIterable<StreamEvent> {
  yield { type: "start", model: PRODUCER };
  yield { type: "delta", text };
  yield { type: "finish", reason: "stop", assessment: { decision, confidence, reason } };
}

export function orderStatusStage(orders: Pick<OrderLookup, "lookup" | "collections">): StepStage {
  return {
    name: "order-status",
    kind: "produce",
    routes: ["tool"],
    async run(ctx: PipelineContext) {
      ctx.meta.generator = PRODUCER;
      const req = orderRequest(ctx.content, ctx.history, await orders.collections(ctx.tenantId));
      const gaveProof = Boolean(req.proof.email || req.proof.postcode);
      const found = req.orderNumber
        ? await orders.lookup({ tenantId: ctx.tenantId, orderNumber: req.orderNumber, proof: req.proof, verifiedEmail: ctx.customer?.email })
        : { verified: false as const };
      const events = found.verified
        ? reply(describeOrder(found), "PASS", 0.9, "order lookup: verified")
        : reply(gaveProof ? NO_MATCH : ASK, "ASK_USER", 0.5, "order lookup: not verified");
      ctx.answer = { producer: PRODUCER, events };
    },
  };
}
