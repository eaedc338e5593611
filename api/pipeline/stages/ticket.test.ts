import { describe, expect, test } from "bun:test";
import { newContext, setRoute } from "../stage";
import { handoffAsTicket, ticketOpened, ticketStage, TICKET_FAILED, type TicketOpener } from "./ticket";

async function run(stage: ReturnType<typeof ticketStage>, ctx: ReturnType<typeof newContext>) {
  await stage.run(ctx);
  const events = [];
  for await (const e of ctx.answer!.events) events.push(e);
  return events;
}

describe("ticket stage", () => {
  const opened: Parameters<TicketOpener["create"]>[0][] = [];
  const tickets: TicketOpener = { create: async (input) => (opened.push(input), { number: 1042 }) };

  test("opens a ticket with the message, earlier messages and the conversation, and tells its number (ESCALATE)", async () => {
    const ctx = newContext({ tenantId: "t1", content: "My order arrived broken and nobody answers", history: [{ role: "user", content: "hello" }, { role: "assistant", content: "Hi!" }], target: { conversationId: "c1", messageId: "m2", userMessageId: "m1" } });
    setRoute(ctx, "ticket", "complaint");
    const events = await run(ticketStage(tickets), ctx);
    expect(opened.at(-1)).toMatchObject({ tenantId: "t1", category: "complaint", priority: "normal", conversationId: "c1", source: "chat", subject: "My order arrived broken and nobody answers" });
    expect(opened.at(-1)!.summary).toContain("- hello");
    expect(events).toEqual([
      { type: "start", model: "tool:ticket" },
      { type: "delta", text: ticketOpened(1042) },
      { type: "finish", reason: "stop", assessment: { decision: "ESCALATE", confidence: 0.9, reason: "ticket opened" } },
    ]);
  });

  test("a handoff request gets a high-priority ticket and is told no person can join the chat", async () => {
    const ctx = newContext({ tenantId: "t1", content: "let me talk to a human" });
    setRoute(ctx, "handoff", "talk_to_human");
    const events = await run(ticketStage(tickets), ctx);
    expect(opened.at(-1)).toMatchObject({ priority: "high", category: "talk_to_human", tags: ["handoff-requested"] });
    expect(events[1]).toEqual({ type: "delta", text: handoffAsTicket(1042) });
    expect(handoffAsTicket(1)).toMatch(/can't connect you with a person/);
  });

  test("a ticket that cannot be opened is said so, with nothing promised", async () => {
    const ctx = newContext({ tenantId: "t1", content: "open a ticket" });
    setRoute(ctx, "ticket", "create_ticket");
    const lines: string[] = [];
    const events = await run(ticketStage({ create: async () => { throw new Error("db down"); } }, (l) => lines.push(l)), ctx);
    expect(events[1]).toEqual({ type: "delta", text: TICKET_FAILED });
    expect(lines[0]).toContain("db down");
  });
});
