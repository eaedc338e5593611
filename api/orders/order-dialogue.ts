/**
 * The words of the order dialogue, shared by the route and order-status stages: which order a message is about
 * (an order number of a personal table's key shape, or the one a pending request for proof was about), the
 * proof it brings (an email, a postcode named as such), the requests for proof and the verified answer.
 */
import type { PersonalCollection } from "../../core/db/personal-record-repository";
import { keysIn } from "../../ingest/loaders/key-pattern";
import { extractSlots } from "../pipeline/slots";
import type { HistoryTurn } from "../pipeline/stage";
import type { OrderProof, VerifiedOrder } from "./order-lookup";

/** Asked when the customer has not proved the order is theirs (or named no order). Says nothing about the order. */
export const ASK =
  "To look up an order I first need to check that it is yours: please send the order number together with the email address (or postcode) used for the order.";
/** Said when the proof does not match: the same for a wrong email, a wrong postcode and an order that does not exist. */
export const NO_MATCH =
  "I could not match those details to an order. Please check the order number and send it again with the email address (or postcode) used for the order.";
const ASKED_FOR_PROOF = [ASK, NO_MATCH];

/**
 * The order numbers a text names: by the key shape of each personal table that has one; a table whose keys have
 * no regular shape falls back to the generic order-number slot (understand's). Upper-cased, unique.
 */
export function orderNumbersIn(text: string, collections: readonly PersonalCollection[]): string[] {
  const found = collections.flatMap((c) => (c.keyPattern ? keysIn(text, c.keyPattern) : extractSlots(text).orderNumbers));
  return [...new Set(found)];
}

/**
 * Postcodes the customer named as such ("my postcode is SW1A 1AA", "zip: 94107", "postal code 1012 AB"): a token
 * with a digit, and a second short part when it has a digit or is two capitals (not "94107 and").
 */
export function postcodesIn(text: string): string[] {
  const POSTCODE = /\b(?:post\s?code|postal\s+code|zip(?:\s?code)?)\b\s*(?:is|:|=)?\s*((?=[a-z]*\d)[a-z0-9]{2,8})(?:([ -])([a-z0-9]{2,4})\b)?/gi;
  return [...text.matchAll(POSTCODE)].map(([, first, sep, second]) => (second && (/\d/.test(second) || /^[A-Z]{2}$/.test(second)) ? `${first}${sep}${second}` : first!));
}

/** The proof a message brings: its first email and its first postcode. */
export function proofIn(text: string): OrderProof {
  const email = extractSlots(text).emails[0];
  const postcode = postcodesIn(text)[0];
  return { ...(email ? { email } : {}), ...(postcode ? { postcode } : {}) };
}

/** The order a pending verification is about: set when the last assistant turn asked for proof. */
export function pendingOrder(history: readonly HistoryTurn[], collections: readonly PersonalCollection[]): string | undefined {
  const last = history.findLastIndex((t) => t.role === "assistant");
  if (last < 0 || !ASKED_FOR_PROOF.includes(history[last]!.content.trim())) return undefined;
  for (let i = last - 1; i >= 0; i--) {
    const t = history[i]!;
    if (t.role !== "user") continue;
    const o = orderNumbersIn(t.content, collections)[0];
    if (o) return o;
  }
  return undefined;
}

export interface OrderRequest {
  /** The order asked about: named in the message, or the pending one. */
  orderNumber?: string;
  proof: OrderProof;
  /** The message names an order, or brings proof for a pending request. */
  aboutOrder: boolean;
  /** Where the order number came from: the message, or the request for proof it answers. */
  from?: "message" | "pending";
}

/** What a message asks of the order lookup (nothing when the tenant has no personal table). */
export function orderRequest(content: string, history: readonly HistoryTurn[], collections: readonly PersonalCollection[]): OrderRequest {
  const proof = proofIn(content);
  if (!collections.length) return { proof, aboutOrder: false };
  const named = orderNumbersIn(content, collections)[0];
  if (named) return { orderNumber: named, proof, aboutOrder: true, from: "message" };
  const pending = proof.email || proof.postcode ? pendingOrder(history, collections) : undefined;
  return pending ? { orderNumber: pending, proof, aboutOrder: true, from: "pending" } : { proof, aboutOrder: false };
}

/** The fields an order answer states, in this order, by common column names (only those the row has). */
const SAY: Array<[RegExp, string]> = [
  [/(^|_)(status|state)($|_)/, "status"],
  [/carrier|courier|shipping_?method/, "carrier"],
  [/tracking/, "tracking number"],
  [/estimated|delivery|eta|arriv/, "estimated delivery"],
  [/order_?date|ordered|placed|purchase_?date|created/, "order date"],
];
const normName = (h: string) => h.toLowerCase().trim().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");

/**
 * "Order VM-100202: status delivered; carrier UPS; tracking number 1Z...; ... Other details: sku VM-LT-1401,
 * quantity 1, total usd 913.99." The main fields first, by common column names, then every other column of the
 * row that has a value (never a personal field: the lookup removed them).
 */
export function describeOrder(order: VerifiedOrder): string {
  const used = new Set<string>();
  const parts: string[] = [];
  for (const [re, label] of SAY) {
    const col = Object.keys(order.fields).find((c) => !used.has(c) && order.fields[c]?.trim() && re.test(normName(c)));
    if (!col) continue;
    used.add(col);
    parts.push(`${label}: ${order.fields[col]!.trim()}`);
  }
  const keyName = (c: string) => order.fields[c]?.trim().toUpperCase() === order.key.toUpperCase();
  const rest = Object.keys(order.fields).filter((c) => !used.has(c) && order.fields[c]?.trim() && !keyName(c));
  const other = rest.map((c) => `${normName(c).replace(/_/g, " ")} ${order.fields[c]!.trim()}`);
  const head = parts.length ? `Order ${order.key}: ${parts.join("; ")}.` : `Order ${order.key} has no status details yet.`;
  return other.length ? `${head} Other details: ${other.join(", ")}.` : head;
}

/** The order a verified answer in the conversation was about (the last one), read back from its opening words. */
export function lastVerifiedOrder(history: readonly HistoryTurn[]): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const t = history[i]!;
    if (t.role !== "assistant") continue;
    const m = /^Order (\S+?):? (?:status|carrier|tracking|estimated|order date|has no status)/.exec(t.content);
    return m?.[1];
  }
  return undefined;
}

/** The proof the customer gave earlier in the conversation (the latest user turn that had one). */
export function earlierProof(history: readonly HistoryTurn[]): OrderProof {
  for (let i = history.length - 1; i >= 0; i--) {
    const t = history[i]!;
    if (t.role !== "user") continue;
    const p = proofIn(t.content);
    if (p.email || p.postcode) return p;
  }
  return {};
}

/** "You have 2 orders: Order A: ... Order B: ..." for a signed-in customer who named none (newest first, at most 3). */
export function describeOrders(orders: VerifiedOrder[]): string {
  const shown = orders.slice(-3).reverse();
  const intro = orders.length === 1 ? "" : `I found ${orders.length} orders for your account${orders.length > shown.length ? `; the ${shown.length} most recent` : ""}: `;
  return intro + shown.map(describeOrder).join(" ");
}
