import { describe, expect, test } from "bun:test";
import type { PersonalCollection } from "../../core/db/personal-record-repository";
import type { HistoryTurn } from "../pipeline/stage";
import { ASK, describeOrder, describeOrders, earlierProof, lastVerifiedOrder, NO_MATCH, orderNumbersIn, orderRequest, pendingOrder, postcodesIn, proofIn } from "./order-dialogue";

const ORDERS: PersonalCollection = { documentId: "d1", collection: "orders", keyColumn: "order_id", keyPattern: "VM-\\d{6,8}", personalColumns: ["email"] };
const user = (content: string): HistoryTurn => ({ role: "user", content });
const assistant = (content: string): HistoryTurn => ({ role: "assistant", content });

describe("order dialogue", () => {
  test("order numbers by the table's key shape; a table without one falls back to the generic slot", () => {
    expect(orderNumbersIn("tracking for vm-100202 and VM-LT-1401", [ORDERS])).toEqual(["VM-100202"]);
    expect(orderNumbersIn("order AB-12345", [ORDERS])).toEqual([]);
    const irregular = { ...ORDERS, keyPattern: undefined };
    expect(orderNumbersIn("order AB-12345", [irregular])).toEqual(["AB-12345"]);
    expect(orderNumbersIn("order 4411-A", [{ ...ORDERS, keyPattern: "\\d{4}-A" }])).toEqual(["4411-A"]);
  });

  test("proof: the first email, a postcode only when named as one", () => {
    expect(proofIn("my email is J.Okafor@Example.com")).toEqual({ email: "j.okafor@example.com" });
    expect(proofIn("postcode SW1A 1AA")).toEqual({ postcode: "SW1A 1AA" });
    expect(postcodesIn("zip: 94107 and my zip code is 10001-2345")).toEqual(["94107", "10001-2345"]);
    expect(postcodesIn("postal code 1012 AB, post code K1A 0B1, my zip is unknown, zip 94107 or so")).toEqual(["1012 AB", "K1A 0B1", "94107"]);
    expect(proofIn("I live at 12 High Street")).toEqual({});
  });

  test("a message about an order: it names one, or brings proof right after a request for proof", () => {
    expect(orderRequest("Where is VM-100202?", [], [ORDERS])).toEqual({ orderNumber: "VM-100202", proof: {}, aboutOrder: true, from: "message" });
    const asked = [user("Where is VM-100202?"), assistant(ASK)];
    expect(orderRequest("my email is a@b.io", asked, [ORDERS])).toMatchObject({ orderNumber: "VM-100202", aboutOrder: true, from: "pending" });
    // After a wrong proof too; not after any other answer, and not without proof.
    expect(pendingOrder([...asked, user("x@y.io"), assistant(NO_MATCH)], [ORDERS])).toBe("VM-100202");
    expect(orderRequest("my email is a@b.io", [user("Where is VM-100202?"), assistant("Orders ship in 2 days.")], [ORDERS]).aboutOrder).toBe(false);
    expect(orderRequest("thanks", asked, [ORDERS]).aboutOrder).toBe(false);
    // A tenant with no personal table: nothing is an order question.
    expect(orderRequest("Where is VM-100202?", [], []).aboutOrder).toBe(false);
  });

  test("a request for proof with no order named before it leaves nothing pending", () => {
    expect(pendingOrder([user("hi"), assistant(ASK)], [ORDERS])).toBeUndefined();
    expect(orderRequest("a@b.io", [user("hi"), assistant(ASK)], [ORDERS]).aboutOrder).toBe(false);
  });

  test("the verified answer says the order's facts that exist, in a fixed order", () => {
    const fields = { order_date: "2026-01-06", status: "delivered", carrier: "UPS", tracking_number: "1ZXY", estimated_delivery: "2026-01-08", sku: "VM-LT-1401" };
    expect(describeOrder({ verified: true, collection: "orders", key: "VM-100202", fields })).toBe(
      "Order VM-100202: status: delivered; carrier: UPS; tracking number: 1ZXY; estimated delivery: 2026-01-08; order date: 2026-01-06. Other details: sku VM-LT-1401.",
    );
    expect(describeOrder({ verified: true, collection: "orders", key: "VM-1", fields: { status: "placed", carrier: "", tracking_number: "" } })).toBe("Order VM-1: status: placed.");
    expect(describeOrder({ verified: true, collection: "orders", key: "VM-1", fields: { note: "x" } })).toBe("Order VM-1 has no status details yet. Other details: note x.");
  });

  test("a follow-up finds the order the conversation was last shown and the proof given earlier", () => {
    const shown = describeOrder({ verified: true, collection: "orders", key: "VM-100202", fields: { status: "delivered" } });
    const history = [user("where is VM-100202"), assistant(ASK), user("my email is j.okafor@example.com"), assistant(shown)];
    expect(lastVerifiedOrder(history)).toBe("VM-100202");
    expect(earlierProof(history)).toEqual({ email: "j.okafor@example.com" });
    expect(lastVerifiedOrder([...history, user("thanks"), assistant("You're welcome!")])).toBeUndefined();
    expect(lastVerifiedOrder([user("hi"), assistant("Order numbers look like VM-1")])).toBeUndefined();
  });

  test("a signed-in customer's orders: newest first, at most three", () => {
    const o = (key: string) => ({ verified: true as const, collection: "orders", key, fields: { status: "placed" } });
    expect(describeOrders([o("A-1")])).toBe("Order A-1: status: placed.");
    expect(describeOrders([o("A-1"), o("A-2"), o("A-3"), o("A-4")])).toBe("I found 4 orders for your account; the 3 most recent: Order A-4: status: placed. Order A-3: status: placed. Order A-2: status: placed.");
  });
});
