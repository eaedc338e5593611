/**
 * The ticket stage (produce, ticket and handoff routes): opens a ticket for the support team with the message,
 * the customer's recent messages and the conversation linked, and tells the customer its number. Decision
 * ESCALATE: a person takes it from here. The handoff route ("let me talk to a person") takes this stage until
 * live handoff exists: the customer is told plainly that no one can join the chat, and gets the ticket instead,
 * so the product never promises a person it cannot give. If the ticket cannot be opened the customer is told
 * so, with nothing promised.
 */
import type { StreamEvent } from "../../../core/ports/language-model";
import type { PipelineContext, StepStage } from "../stage";

export const PRODUCER = "tool:ticket";

/** What the stage needs of the ticket service (api/modules/tickets/service.ts). */
export interface TicketOpener {
  create(input: {
    tenantId: string;
    subject: string;
    summary: string;
    category: string;
    priority?: "low" | "normal" | "high" | "urgent";
    conversationId?: string;
    requester?: { email?: string };
    source: "chat";
    tags?: string[];
  }): Promise<{ number: number }>;
}

export const ticketOpened = (n: number) =>
  `I'm sorry about this. I have opened ticket #${n} for our support team with your message and this conversation, so they can look into it. Please keep the number for reference.`;
export const handoffAsTicket = (n: number) =>
  `I can't connect you with a person in this chat, so I have opened ticket #${n} for our support team with this conversation, so a member of the team can pick it up. Please keep the number for reference.`;
export const TICKET_FAILED = "I'm sorry, I could not open a ticket just now. Please try again in a few minutes.";

async function* reply(text: string, reason: string): AsyncIterable<StreamEvent> {
  yield { type: "start", model: PRODUCER };
  yield { type: "delta", text };
  yield { type: "finish", reason: "stop", assessment: { decision: "ESCALATE", confidence: 0.9, reason } };
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

export function ticketStage(tickets: TicketOpener, log: (line: string) => void = () => {}): StepStage {
  return {
    name: "ticket",
    kind: "produce",
    routes: ["ticket", "handoff"],
    async run(ctx: PipelineContext) {
      ctx.meta.generator = PRODUCER;
      const handoff = ctx.route === "handoff";
      const message = oneLine(ctx.content);
      const earlier = ctx.history.filter((t) => t.role === "user").slice(-3).map((t) => `- ${oneLine(t.content)}`);
      const summary = [`Customer's message: ${message}`, ...(earlier.length ? ["Earlier messages:", ...earlier] : []), handoff ? "The customer asked to talk to a person." : ""].filter(Boolean).join("\n");
      let text: string;
      try {
        const t = await tickets.create({
          tenantId: ctx.tenantId,
          subject: message.length > 120 ? `${message.slice(0, 117)}...` : message,
          summary,
          category: ctx.meta.intent && ctx.meta.intent !== "other" ? ctx.meta.intent : handoff ? "handoff" : "general",
          priority: handoff ? "high" : "normal",
          ...(ctx.target?.conversationId ? { conversationId: ctx.target.conversationId } : {}),
          ...(ctx.customer?.email ? { requester: { email: ctx.customer.email } } : {}),
          source: "chat",
          tags: handoff ? ["handoff-requested"] : [],
        });
        text = handoff ? handoffAsTicket(t.number) : ticketOpened(t.number);
      } catch (e) {
        log(`ticket stage: could not open a ticket: ${(e as Error).message}`);
        text = TICKET_FAILED;
      }
      ctx.answer = { producer: PRODUCER, events: reply(text, handoff ? "handoff: ticket opened" : "ticket opened") };
    },
  };
}
