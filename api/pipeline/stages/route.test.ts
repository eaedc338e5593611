import { describe, expect, test } from "bun:test";
import { ASK } from "../../orders/order-dialogue";
import { extractSlots } from "../slots";
import { newContext, type HistoryTurn } from "../stage";
import { routeStage } from "./route";

const routed = async (content: string, history: HistoryTurn[] = []) => {
  const ctx = newContext({ tenantId: "t", content, history });
  ctx.understanding = { normalized: content, question: content, rewritten: false, slots: extractSlots(content) };
  await routeStage().run(ctx);
  return [ctx.route, ctx.meta.intent];
};

describe("route stage", () => {
  test("a message naming an order number goes to the tool route", async () => {
    expect(await routed("Where is my order VM-100202?")).toEqual(["tool", "order_status"]);
    expect(await routed("How long do I have to return a laptop?")).toEqual(["answer", undefined]);
  });

  test("an email or postcode right after a request for proof continues the lookup; otherwise it is a question", async () => {
    const asked: HistoryTurn[] = [
      { role: "user", content: "Where is VM-100202?" },
      { role: "assistant", content: ASK },
    ];
    expect(await routed("it's ann@example.com", asked)).toEqual(["tool", "order_status"]);
    expect(await routed("my postcode is SW1A 1AA", asked)).toEqual(["tool", "order_status"]);
    expect(await routed("it's ann@example.com", [{ role: "user", content: "hi" }, { role: "assistant", content: "Hello!" }])).toEqual(["answer", undefined]);
    expect(await routed("what about returns?", asked)).toEqual(["answer", undefined]);
  });
});
