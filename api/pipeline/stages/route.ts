/**
 * The route stage (prepare, every route): sends a message about a specific order to the tool route, where the
 * order-status stage answers from the verified lookup instead of the knowledge base. A message names an order
 * when understand found an order number in it, or when it brings the proof (an email or postcode) right after
 * the assistant asked for it about an order named earlier in the conversation.
 */
import { extractSlots } from "./understand";
import { setRoute, type PipelineContext, type StepStage } from "../stage";
import { ASKED_FOR_PROOF } from "./order-status";

/** The order number of the conversation's pending verification, if the last assistant turn asked for proof. */
export function pendingOrder(ctx: Pick<PipelineContext, "history">): string | undefined {
  const h = ctx.history;
  const lastAssistant = [...h].reverse().find((t) => t.role === "assistant");
  if (!lastAssistant || !ASKED_FOR_PROOF.some((p) => lastAssistant.content.startsWith(p))) return undefined;
  for (let i = h.length - 1; i >= 0; i--) {
    const t = h[i]!;
    if (t.role !== "user") continue;
    const o = extractSlots(t.content).orderNumbers[0];
    if (o) return o;
  }
  return undefined;
}

export function routeStage(): StepStage {
  return {
    name: "route",
    kind: "prepare",
    routes: "all",
    run(ctx) {
      const slots = ctx.understanding?.slots;
      if (slots?.orderNumbers.length) return setRoute(ctx, "tool", "order_status");
      if ((slots?.emails.length || postcodesIn(ctx.content).length) && pendingOrder(ctx)) setRoute(ctx, "tool", "order_status");
    },
  };
}

const POSTCODE = /\b(?:post\s?code|postal\s+code|zip(?:\s?code)?)\b\s*(?:is|:|=)?\s*([A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9])/gi;

/** Postcodes the customer named as such ("my postcode is SW1A 1AA", "zip: 94107"). */
export function postcodesIn(text: string): string[] {
  return [...text.matchAll(POSTCODE)].map((m) => m[1]!.trim());
}
