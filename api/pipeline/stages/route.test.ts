import { describe, expect, test } from "bun:test";
import type { PersonalCollection } from "../../../core/db/personal-record-repository";
import { ASK } from "../../orders/order-dialogue";
import { newContext, type HistoryTurn } from "../stage";
import { routeStage } from "./route";

const ORDERS: PersonalCollection = { documentId: "d1", collection: "orders", keyPattern: "VM-\\d{6,8}", personalColumns: ["customer_email"] };
const orders = (collections: PersonalCollection[]) => ({ collections: async () => collections });

async function routeOf(content: string, history: HistoryTurn[] = [], collections = [ORDERS]) {
  const ctx = newContext({ tenantId: "t1", content, history });
  await routeStage({ orders: orders(collections) }).run(ctx);
  return { route: ctx.route, meta: ctx.meta };
}

describe("route stage", () => {
  test("a message naming an order number of a personal table goes to the tool route (a made-up one too)", async () => {
    expect(await routeOf("Give me the tracking number for VM-100202")).toEqual({ route: "tool", meta: { route: "tool", intent: "order_status", routeReason: "order-number" } });
    expect((await routeOf("wheres vm-999999")).route).toBe("tool");
  });

  test("proof right after a request for proof continues the order; proof out of the blue does not", async () => {
    const asked: HistoryTurn[] = [{ role: "user", content: "Where is VM-100202?" }, { role: "assistant", content: ASK }];
    expect((await routeOf("my email is j.okafor@example.com", asked)).route).toBe("tool");
    expect((await routeOf("my postcode is SW1A 1AA", asked)).route).toBe("tool");
    expect((await routeOf("my email is j.okafor@example.com")).route).toBe("answer");
  });

  test("knowledge-base questions, SKUs, and tenants without personal tables stay on the answer route", async () => {
    expect((await routeOf("What is the return window for the VoltBook 14?")).route).toBe("answer");
    expect((await routeOf("Is VM-LT-1401 in stock?")).route).toBe("answer");
    expect((await routeOf("Where is VM-100202?", [], [])).route).toBe("answer");
  });
});

describe("route stage with the intent classifier", () => {
  const decision = (intent: string, route: "answer" | "tool" | "ticket" | "handoff" | "clarify", outOfScope = false) => ({
    classify: async () => ({ intent, route, confidence: 0.8, similarity: 0.7, outOfScope, alternatives: [], ...(route === "clarify" ? { reply: "Hello!" } : {}) }),
  });
  async function routed(content: string, intents: ReturnType<typeof decision>, collections = [ORDERS], available?: Set<"answer" | "tool" | "clarify" | "ticket" | "handoff">) {
    const ctx = newContext({ tenantId: "t1", content });
    await routeStage({ orders: orders(collections), intents, ...(available ? { available } : {}) }).run(ctx);
    return ctx;
  }

  test("an order number wins over the classifier; otherwise the intent's route, with confidence and reason", async () => {
    expect((await routed("where is VM-100202", decision("greeting", "clarify"), [ORDERS], new Set(["answer", "tool", "clarify"]))).meta).toMatchObject({ route: "tool", intent: "order_status", routeReason: "order-number" });
    const hi = await routed("hello", decision("greeting", "clarify"), [ORDERS], new Set(["answer", "tool", "clarify"]));
    expect(hi.meta).toMatchObject({ route: "clarify", intent: "greeting", intentConfidence: 0.8, routeReason: "intent" });
    expect(hi.intent?.reply).toBe("Hello!");
  });

  test("a tool intent without personal tables, a route without a stage, and out of scope all take the answer route", async () => {
    expect((await routed("where is my parcel", decision("order_status", "tool"), [])).meta).toMatchObject({ route: "answer", routeReason: "no-personal-data" });
    expect((await routed("a human please", decision("talk_to_human", "handoff"))).meta).toMatchObject({ route: "answer", routeReason: "no-handoff-stage" });
    expect((await routed("boiling point of mercury", decision("other", "answer", true))).meta).toMatchObject({ route: "answer", intent: "other", routeReason: "out-of-scope" });
  });
});
