/**
 * The words of the order dialogue: the stage's requests for proof, how a reply to one is recognised (the order
 * number named earlier in the conversation), and postcodes the customer names as such.
 */
import { extractSlots } from "../pipeline/slots";
import type { HistoryTurn } from "../pipeline/stage";

export const ASK = "To look up an order I first need to check that it is yours: please send the order number together with the email address (or postcode) used for the order.";
export const NO_MATCH = "I could not match those details to an order. Please check the order number and send it again with the email address (or postcode) used for the order.";
/** How the requests for proof begin (a reply to one continues the lookup). */
const ASKED_FOR_PROOF = [ASK.slice(0, 40), NO_MATCH.slice(0, 40)];

/** The order number of the conversation's pending verification, if the last assistant turn asked for proof. */
export function pendingOrder(history: readonly HistoryTurn[]): string | undefined {
  const lastAssistant = [...history].reverse().find((t) => t.role === "assistant");
  if (!lastAssistant || !ASKED_FOR_PROOF.some((p) => lastAssistant.content.startsWith(p))) return undefined;
  for (let i = history.length - 1; i >= 0; i--) {
    const t = history[i]!;
    if (t.role !== "user") continue;
    const o = extractSlots(t.content).orderNumbers[0];
    if (o) return o;
  }
  return undefined;
}

const POSTCODE = /\b(?:post\s?code|postal\s+code|zip(?:\s?code)?)\b\s*(?:is|:|=)?\s*([A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9])/gi;

/** Postcodes the customer named as such ("my postcode is SW1A 1AA", "zip: 94107"). */
export function postcodesIn(text: string): string[] {
  return [...text.matchAll(POSTCODE)].map((m) => m[1]!.trim());
}
