import { describe, expect, test } from "bun:test";
import type { PersonalCollection } from "../../../core/db/personal-record-repository";
import { ASK } from "../../orders/order-dialogue";
import { newContext, type HistoryTurn } from "../stage";
import { routeStage } from "./route";

const ORDERS: PersonalCollection = { documentId: "d1", collection: "orders", keyPattern: "VM-\\d{6,8}", personalColumns: ["customer_email"] };
const orders = (collections: PersonalCollection[]) => ({ collections: async () => collections });

async function routeOf(content: string, history: HistoryTurn[] = [], collections = [ORDERS]) {
  const ctx = newContext({ tenantId: "t1", content, history });
  await routeStage(orders(collections)).run(ctx);
  return { route: ctx.route, meta: ctx.meta };
}

describe("route stage", () => {
  test("a message naming an order number of a personal table goes to the tool route (a made-up one too)", async () => {
    expect(await routeOf("Give me the tracking number for VM-100202")).toEqual({ route: "tool", meta: { route: "tool", intent: "order_status" } });
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
