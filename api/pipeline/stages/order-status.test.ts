import { describe, expect, test } from "bun:test";
import type { MessagePatch } from "../../../core/db/conversation-repository";
import type { PersonalCollection, PersonalRecord } from "../../../core/db/personal-record-repository";
import type { StreamEvent } from "../../../core/ports/language-model";
import { ASK, NO_MATCH } from "../../orders/order-dialogue";
import { OrderLookup } from "../../orders/order-lookup";
import { AnswerPipeline } from "../runner";
import { newContext, type HistoryTurn, type StepStage } from "../stage";
import { decideStage } from "./decide";
import { orderStatusStage, PRODUCER } from "./order-status";
import { persistStage } from "./persist";
import { routeStage } from "./route";

const ROW: PersonalRecord = {
  documentId: "d1",
  collection: "orders",
  key: "VM-100202",
  data: { order_id: "VM-100202", customer_email: "j.okafor@example.com", order_date: "2026-01-06", status: "delivered", carrier: "UPS", tracking_number: "1ZXY", estimated_delivery: "2026-01-08" },
  personalColumns: ["customer_email"],
};
const ORDERS: PersonalCollection = { documentId: "d1", collection: "orders", keyPattern: "VM-\\d{6,8}", personalColumns: ["customer_email"] };

/** The knowledge-base producer of the answer route: must never run for an order question. */
const kbAnswer: StepStage = {
  name: "generate",
  kind: "produce",
  routes: ["answer"],
  run(ctx) {
    ctx.answer = { producer: "kb", events: (async function* () { yield { type: "start" as const, model: "kb" }; yield { type: "finish" as const, reason: "stop" as const }; })() };
  },
};

async function ask(content: string, o: { history?: HistoryTurn[]; customer?: { email?: string } } = {}) {
  const lookups: unknown[] = [];
  const records = {
    findByKey: async (_t: string, key: string) => (lookups.push(key), key.toUpperCase() === ROW.key ? [ROW] : []),
    collections: async () => [ORDERS],
  };
  const stored: MessagePatch[] = [];
  const pipeline = new AnswerPipeline([
    routeStage({ orders: new OrderLookup(records) }),
    orderStatusStage(new OrderLookup(records)),
    kbAnswer,
    decideStage(),
    persistStage({ updateMessage: async (_t, _id, patch) => void stored.push(patch) }),
  ]);
  const ctx = newContext({ tenantId: "t1", content, history: o.history, customer: o.customer, target: { conversationId: "c", messageId: "m", userMessageId: "u" } });
  const run = await pipeline.start(ctx);
  const events: StreamEvent[] = [];
  for await (const e of run.events) events.push(e);
  const final = await pipeline.finish(ctx);
  const text = events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
  return { ctx, events, final, text, stored, lookups };
}

describe("order-status stage", () => {
  test("not verified: one typed stream asking for the email or postcode, ASK_USER, stored as sent", async () => {
    const r = await ask("Give me the tracking number for VM-100202");
    expect(r.events.map((e) => e.type)).toEqual(["start", "delta", "finish"]);
    expect(r.text).toBe(ASK);
    expect(r.ctx.meta).toMatchObject({ route: "tool", intent: "order_status", generator: PRODUCER });
    expect(r.final).toMatchObject({ answer: ASK, decision: "ASK_USER", route: "tool", generatorId: PRODUCER });
    expect(r.stored[0]).toMatchObject({ content: ASK, decision: "ASK_USER" });
    expect(r.stored[0]!.metadata).toMatchObject({ route: "tool", intent: "order_status", generatorId: PRODUCER });
    expect(r.text).not.toMatch(/ticket|human|agent/i);
  });

  test("a made-up order and a wrong email get the same words as each other; one lookup each", async () => {
    const wrong = await ask("Where is VM-100202? my email is someone@example.com");
    const madeUp = await ask("Where is VM-999999? my email is j.okafor@example.com");
    expect(wrong.text).toBe(NO_MATCH);
    expect(madeUp.text).toBe(NO_MATCH);
    expect([wrong.lookups.length, madeUp.lookups.length]).toEqual([1, 1]);
    expect((await ask("Where is VM-999999?")).text).toBe((await ask("Where is VM-100202?")).text);
  });

  test("verified by the email after the request: the order's facts, PASS, the email not echoed", async () => {
    const history: HistoryTurn[] = [{ role: "user", content: "Where is VM-100202?" }, { role: "assistant", content: ASK }];
    const r = await ask("my email is J.Okafor@example.com", { history });
    expect(r.text).toBe("Order VM-100202: status: delivered; carrier: UPS; tracking number: 1ZXY; estimated delivery: 2026-01-08; order date: 2026-01-06.");
    expect(r.text).not.toContain("okafor");
    expect(r.final).toMatchObject({ decision: "PASS", route: "tool" });
    expect(r.stored[0]!.content).toBe(r.text);
  });

  test("verified by the signed-in customer's email; another customer is asked for proof", async () => {
    expect((await ask("Where is VM-100202?", { customer: { email: "j.okafor@example.com" } })).text).toContain("1ZXY");
    expect((await ask("Where is VM-100202?", { customer: { email: "other@example.com" } })).text).toBe(ASK);
  });

  test("other questions take the answer route (the order stage does not run)", async () => {
    const r = await ask("How long do I have to return a laptop?");
    expect(r.ctx.route).toBe("answer");
    expect(r.final.generatorId).toBe("kb");
    expect(r.lookups).toEqual([]);
  });
});
