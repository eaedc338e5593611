/**
 * The route stage (prepare, every route): sends a message about a specific order to the tool route, where the
 * order-status stage answers from the verified lookup instead of the knowledge base (order rows are in no shared
 * index). A message is about an order when it names an order number of one of the tenant's personal tables (by
 * that table's key shape), or when it brings proof (an email, a postcode) right after the assistant asked for
 * it about an order named earlier in the conversation. A made-up number of the same shape routes the same way.
 */
import { orderRequest } from "../../orders/order-dialogue";
import type { OrderLookup } from "../../orders/order-lookup";
import { setRoute, type StepStage } from "../stage";

export const ORDER_INTENT = "order_status";

export function routeStage(orders: Pick<OrderLookup, "collections">): StepStage {
  return {
    name: "route",
    kind: "prepare",
    routes: "all",
    async run(ctx) {
      const collections = await orders.collections(ctx.tenantId);
      if (orderRequest(ctx.content, ctx.history, collections).aboutOrder) setRoute(ctx, "tool", ORDER_INTENT);
    },
  };
}
