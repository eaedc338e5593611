/**
 * The route stage (prepare, every route): sends a message about a specific order to the tool route, where the
 * order-status stage answers from the verified lookup instead of the knowledge base. A message names an order
 * when understand found an order number in it, or when it brings the proof (an email or postcode) right after
 * the assistant asked for it about an order named earlier in the conversation.
 */
import { pendingOrder, postcodesIn } from "../../orders/order-dialogue";
import { setRoute, type StepStage } from "../stage";

export function routeStage(): StepStage {
  return {
    name: "route",
    kind: "prepare",
    routes: "all",
    run(ctx) {
      const slots = ctx.understanding?.slots;
      if (slots?.orderNumbers.length) return setRoute(ctx, "tool", "order_status");
      if ((slots?.emails.length || postcodesIn(ctx.content).length) && pendingOrder(ctx.history)) setRoute(ctx, "tool", "order_status");
    },
  };
}
