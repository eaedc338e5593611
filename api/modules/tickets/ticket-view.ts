/** The shape of a ticket and of one history event as the API and the service hand them out. */
import type { TicketEventKind, TicketEventRow, TicketPriority, TicketRow, TicketSource, TicketStatus } from "../../../core/db/ticket-repository";

export interface Ticket {
  id: string;
  /** Per-tenant sequence; shown to customers as "#<number>". */
  number: number;
  status: TicketStatus;
  priority: TicketPriority;
  category: string;
  subject: string;
  summary: string;
  /** User id of the agent or admin it is assigned to. */
  assignee: string | null;
  tags: string[];
  conversationId: string | null;
  requester: { ownerId: string | null; email: string | null };
  source: TicketSource;
  createdAt: Date;
  updatedAt: Date;
  solvedAt: Date | null;
  closedAt: Date | null;
}

export interface TicketEvent {
  id: string;
  kind: TicketEventKind;
  actor: { kind: string; id: string | null };
  data: Record<string, unknown>;
  at: Date;
}

export const ticketView = (r: TicketRow): Ticket => ({
  id: r.id,
  number: r.number,
  status: r.status,
  priority: r.priority,
  category: r.category,
  subject: r.subject,
  summary: r.summary,
  assignee: r.assigneeId,
  tags: r.tags,
  conversationId: r.conversationId,
  requester: { ownerId: r.requesterOwnerId, email: r.requesterEmail },
  source: r.source,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  solvedAt: r.solvedAt,
  closedAt: r.closedAt,
});

export const eventView = (e: TicketEventRow, customer: boolean): TicketEvent => ({
  id: e.id,
  kind: e.kind,
  // A customer sees what kind of caller acted, never whose account it was.
  actor: { kind: e.actorKind, id: customer ? null : e.actorId },
  data: e.data,
  at: e.at,
});


/** What a customer sees of its own ticket: no assignee and no tags (internal triage). */
export type CustomerTicket = Omit<Ticket, "assignee" | "tags">;

export function customerTicketView(t: Ticket): CustomerTicket {
  const { assignee: _a, tags: _t, ...rest } = t;
  return rest;
}
