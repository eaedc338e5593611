import { describe, expect, test } from "bun:test";
import type { StreamEvent } from "../../../core/ports/language-model";
import { ASK, NO_MATCH } from "../../orders/order-dialogue";
import type { OrderProof } from "../../orders/order-lookup";
import { extractSlots } from "../slots";
import { newContext, type HistoryTurn } from "../stage";
import { orderStatusStage } from "./order-status";

const ROW = { order_id: "VM-10001", customer_email: "ann@example.com", status: "shipped", carrier: "UPS", tracking_number: "1Z999" };

/** A lookup double: verified only for VM-10001 with ann@example.com (the real one is tested in tests/integration). */
const lookup = async (_t: string, order: string, proof: OrderProof) =>
  order === "VM-10001" && [...proof.emails, proof.verifiedEmail].includes("ann@example.com")
    ? { verified: true as const, key: order, collection: "orders", data: ROW }
    : { verified: false as const };

async function answer(content: string, o: { history?: HistoryTurn[]; email?: string } = {}) {
  const ctx = newContext({ tenantId: "t", content, history: o.history, ...(o.email ? { customer: { email: o.email } } : {}) });
  ctx.understanding = { normalized: content, question: content, rewritten: false, slots: extractSlots(content) };
  await orderStatusStage({ lookup }).run(ctx);
  const events: StreamEvent[] = [];
  for await (const e of ctx.answer!.events) events.push(e);
  const text = events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
  const finish = events.at(-1)!;
  return { text, decision: finish.type === "finish" ? finish.assessment?.decision : undefined, producer: ctx.answer!.producer, first: events[0]!.type };
}

describe("order-status stage", () => {
  test("verified: the order's facts without the email; one typed stream start ... finish", async () => {
    const a = await answer("Where is VM-10001? I'm ann@example.com");
    expect(a.text).toContain("1Z999");
    expect(a.text).toContain("UPS");
    expect(a.text).not.toContain("ann@example.com");
    expect(a).toMatchObject({ decision: "PASS", producer: "tool:order-lookup", first: "start" });
  });

  test("no proof asks for it; wrong proof and a made-up order answer alike; the signed-in email is proof", async () => {
    expect(await answer("Where is VM-10001?")).toMatchObject({ text: ASK, decision: "ASK_USER" });
    const wrong = await answer("Where is VM-10001? bo@example.com");
    const madeUp = await answer("Where is VM-20002? ann@example.com");
    expect(wrong).toMatchObject({ text: NO_MATCH, decision: "ASK_USER" });
    expect(madeUp.text).toBe(wrong.text);
    expect((await answer("Where is VM-10001?", { email: "ann@example.com" })).text).toContain("1Z999");
  });

  test("the proof in a reply to the request finds the order named before", async () => {
    const history: HistoryTurn[] = [{ role: "user", content: "status of VM-10001" }, { role: "assistant", content: ASK }];
    expect((await answer("ann@example.com", { history })).text).toContain("1Z999");
  });
});
