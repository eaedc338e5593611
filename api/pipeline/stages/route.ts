/**
 * The route stage (prepare, every route): decides where a message goes.
 *   1. A message about a specific order goes to the tool route, where the order-status stage answers from the
 *      verified lookup (order rows are in no shared index): it names an order number of one of the tenant's
 *      personal tables (by that table's key shape; a made-up number of the same shape routes the same way), or it
 *      brings proof (an email, a postcode) right after the assistant asked for it about an order named earlier.
 *   2. Otherwise the intent classifier (api/routing/intent-router.ts, on the standalone question) names the intent
 *      and its route: tool (an order question about the order the conversation was just shown, or a signed-in
 *      customer's order status; without an order the knowledge base answers), ticket, handoff, clarify, or answer. Out of scope: the answer route (the knowledge base
 *      declines when it has nothing). A tool intent of a tenant without personal tables is answered from the
 *      knowledge base (there is nothing to look up). A route the pipeline has no stage for falls back to answer.
 * The route, intent, confidence and reason are in the meta event.
 */
import { lastVerifiedOrder, orderRequest } from "../../orders/order-dialogue";
import type { OrderLookup } from "../../orders/order-lookup";
import type { IntentRouter } from "../../routing/intent-router";
import { questionOf, setRoute, type Route, type StepStage } from "../stage";

export const ORDER_INTENT = "order_status";

export interface RouteStageDeps {
  orders?: Pick<OrderLookup, "collections">;
  intents?: Pick<IntentRouter, "classify">;
  /** Routes that have a producing stage in this pipeline (others fall back to answer). */
  available?: ReadonlySet<Route>;
}

export function routeStage(deps: RouteStageDeps): StepStage {
  const available = deps.available ?? new Set<Route>(["answer", "tool"]);
  return {
    name: "route",
    kind: "prepare",
    routes: "all",
    async run(ctx) {
      const collections = deps.orders ? await deps.orders.collections(ctx.tenantId) : [];
      const order = orderRequest(ctx.content, ctx.history, collections);
      if (order.aboutOrder && available.has("tool")) {
        setRoute(ctx, "tool", ORDER_INTENT);
        ctx.meta.routeReason = order.from === "pending" ? "pending-proof" : "order-number";
        return;
      }
      if (!deps.intents) return;
      const d = await deps.intents.classify(ctx.tenantId, questionOf(ctx), ctx.signal);
      let route: Route = d.route;
      let reason = d.outOfScope ? "out-of-scope" : "intent";
      if (route === "tool" && (!collections.length || !deps.orders)) [route, reason] = ["answer", "no-personal-data"];
      // A lookup needs an order: one the conversation was just shown, or (for order status) a signed-in customer's
      // own. Without one the knowledge base answers (how to cancel, what "processing" means) rather than a request
      // for an order number the customer may not need to give.
      else if (route === "tool" && !lastVerifiedOrder(ctx.history) && !(d.intent === ORDER_INTENT && ctx.customer?.email)) [route, reason] = ["answer", "no-order-named"];
      if (!available.has(route)) [route, reason] = ["answer", `no-${route}-stage`];
      setRoute(ctx, route, d.intent);
      ctx.intent = { name: d.intent, confidence: d.confidence, alternatives: d.alternatives.map((a) => ({ intent: a.intent, confidence: a.confidence })), ...(d.reply ? { reply: d.reply } : {}) };
      ctx.meta.intentConfidence = Number(d.confidence.toFixed(3));
      ctx.meta.routeReason = reason;
    },
  };
}
