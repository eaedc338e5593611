/**
 * The order-status stage (produce, tool route): answers a question about one order from the personal tables
 * through the verified lookup (api/orders/order-lookup.ts). Verified (the message or the signed-in account
 * brings an email or postcode of the order; for a message naming no order, the order the conversation was last
 * shown, re-verified with the proof given then, or a signed-in customer's own orders): the order's status, carrier, tracking number, estimated delivery
 * and order date, as far as the row has them, never its personal fields; decision PASS. Otherwise a request for
 * the email or postcode that says nothing about the order, not even whether it exists; decision ASK_USER. The
 * answer is one typed event stream like any other producer's, so the transform and settle stages (persist
 * among them) treat it alike.
 */
import type { Decision, StreamEvent } from "../../../core/ports/language-model";
import { ASK, describeOrder, describeOrders, earlierProof, lastVerifiedOrder, NO_MATCH, orderRequest } from "../../orders/order-dialogue";
import type { OrderLookup } from "../../orders/order-lookup";
import type { PipelineContext, StepStage } from "../stage";

export const PRODUCER = "tool:order-lookup";

async function* reply(text: string, decision: Decision, confidence: number, reason: string): AsyncIterable<StreamEvent> {
  yield { type: "start", model: PRODUCER };
  yield { type: "delta", text };
  yield { type: "finish", reason: "stop", assessment: { decision, confidence, reason } };
}

export function orderStatusStage(orders: Pick<OrderLookup, "lookup" | "collections"> & Partial<Pick<OrderLookup, "ordersOf">>): StepStage {
  return {
    name: "order-status",
    kind: "produce",
    routes: ["tool"],
    async run(ctx: PipelineContext) {
      ctx.meta.generator = PRODUCER;
      const req = orderRequest(ctx.content, ctx.history, await orders.collections(ctx.tenantId));
      const gaveProof = Boolean(req.proof.email || req.proof.postcode);
      const verifiedEmail = ctx.customer?.email;
      let events: AsyncIterable<StreamEvent> | undefined;
      if (req.orderNumber) {
        const found = await orders.lookup({ tenantId: ctx.tenantId, orderNumber: req.orderNumber, proof: req.proof, verifiedEmail });
        if (found.verified) events = reply(describeOrder(found), "PASS", 0.9, "order lookup: verified");
      } else {
        // No order named: a follow-up about the order this conversation was just shown (re-verified with the
        // proof given earlier), else a signed-in customer's own orders.
        const previous = lastVerifiedOrder(ctx.history);
        const found = previous ? await orders.lookup({ tenantId: ctx.tenantId, orderNumber: previous, proof: earlierProof(ctx.history), verifiedEmail }) : undefined;
        if (found?.verified) events = reply(describeOrder(found), "PASS", 0.85, "order lookup: follow-up, verified");
        else if (verifiedEmail && orders.ordersOf) {
          const mine = await orders.ordersOf(ctx.tenantId, verifiedEmail);
          if (mine.length) events = reply(describeOrders(mine), "PASS", 0.8, "order lookup: the account's orders");
        }
      }
      events ??= reply(gaveProof && req.orderNumber ? NO_MATCH : ASK, "ASK_USER", 0.5, "order lookup: not verified");
      ctx.answer = { producer: PRODUCER, events };
    },
  };
}
