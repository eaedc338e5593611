/**
 * The ticket store's workflow (no Elysia types: the route stage of the answer pipeline calls it as well as the
 * HTTP routes). Every change writes a ticket event (the history) and an audit event, and emits ticket.created or
 * ticket.updated to the tenant's webhook receivers (stored deliveries, sent in the background).
 *
 * Status transitions: open -> pending | solved | closed; pending -> open | solved | closed; solved -> open | closed;
 * closed -> nothing (409 TICKET_TRANSITION). Setting the status a ticket has is no change. A customer reads only
 * tickets of conversations it owns, without assignee and tags, and their history without internal notes,
 * assignments, tag changes or approvals.
 */
import type { Registry } from "prom-client";
import type { ActorKind, AuditRepository } from "../../../core/db/audit-repository";
import type { ConversationRepository } from "../../../core/db/conversation-repository";
import {
  TICKET_PRIORITIES,
  TICKET_SOURCES,
  TICKET_STATUSES,
  type NewTicketEvent,
  type TicketEventKind,
  type TicketPatch,
  type TicketPriority,
  type TicketRepository,
  type TicketRow,
  type TicketSource,
  type TicketStatus,
} from "../../../core/db/ticket-repository";
import type { UserRow } from "../../../core/db/account-repository";
import { AppError, errors } from "../../../core/errors";
import type { JobInfo } from "../../../core/ports/store";
import type { IngestRequest } from "../../../ingest/pipeline";
import type { WebhookEmit } from "../../webhooks/webhook-events";
import { checkTicketInput } from "./ticket-input";
import { ticketMetrics, type TicketMetrics } from "./ticket-metrics";
import { customerTicketView, eventView, ticketView, type CustomerTicket, type Ticket, type TicketEvent } from "./ticket-view";

export { ticketView, type CustomerTicket, type Ticket, type TicketEvent } from "./ticket-view";

export interface CreateTicketInput {
  tenantId: string;
  subject: string;
  summary: string;
  category: string;
  priority?: TicketPriority;
  conversationId?: string;
  requester?: { ownerId?: string; email?: string };
  source: TicketSource;
  tags?: string[];
  assignee?: string;
}

export interface TicketChanges {
  status?: TicketStatus;
  priority?: TicketPriority;
  assignee?: string | null;
  tags?: string[];
}

/** Who makes a change: the audit fields (the pipeline passes the customer or the system). */
export interface TicketActor {
  actorKind: ActorKind;
  actorId: string | null;
  ip?: string | null;
  requestId?: string;
}

export const SYSTEM_ACTOR: TicketActor = { actorKind: "system", actorId: null };

/** What a read is scoped to: the tenant, and for customers the owner whose conversations they may see. */
export interface TicketScope {
  tenantId: string;
  ownerId?: string;
}

export const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ["pending", "solved", "closed"],
  pending: ["open", "solved", "closed"],
  solved: ["open", "closed"],
  closed: [],
};

/** The history a customer sees. */
export const CUSTOMER_EVENT_KINDS: readonly TicketEventKind[] = ["created", "status", "priority", "reply"];

export interface TicketServiceDeps {
  repo: TicketRepository;
  conversations: Pick<ConversationRepository, "get">;
  /** A user of the tenant (assignee check). */
  user: (tenantId: string, id: string) => Promise<UserRow | null>;
  audit: AuditRepository;
  emit: WebhookEmit;
  /** Ingests a document and resolves with its finished job (the learning loop). */
  ingest: (req: IngestRequest) => Promise<JobInfo>;
  metrics?: Registry;
}

const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

export class TicketService {
  private readonly metrics?: TicketMetrics;

  constructor(private readonly d: TicketServiceDeps) {
    this.metrics = d.metrics ? ticketMetrics(d.metrics) : undefined;
  }

  async create(input: CreateTicketInput, actor: TicketActor = SYSTEM_ACTOR): Promise<Ticket> {
    const v = checkTicketInput(input);
    if (!TICKET_SOURCES.includes(input.source)) throw errors.invalid("INVALID_TICKET_SOURCE", `source must be one of ${TICKET_SOURCES.join(", ")}`);
    let ownerId = input.requester?.ownerId ?? null;
    if (input.conversationId !== undefined) {
      const conv = await this.d.conversations.get(input.tenantId, input.conversationId);
      if (!conv) throw errors.invalid("CONVERSATION_UNKNOWN", `conversation '${input.conversationId}' is not a conversation of this tenant`);
      ownerId ??= conv.ownerId ?? null;
    }
    if (input.assignee !== undefined) await this.checkAssignee(input.tenantId, input.assignee);
    const row = await this.d.repo.create(
      {
        id: crypto.randomUUID(),
        tenantId: input.tenantId,
        priority: v.priority,
        category: v.category,
        subject: v.subject,
        summary: v.summary,
        assigneeId: input.assignee ?? null,
        tags: v.tags,
        conversationId: input.conversationId ?? null,
        requesterOwnerId: ownerId,
        requesterEmail: input.requester?.email?.trim().toLowerCase() ?? null,
        source: input.source,
      },
      { kind: "created", actorKind: actor.actorKind, actorId: actor.actorId, data: { status: "open", priority: v.priority, category: v.category, source: input.source } },
    );
    const ticket = ticketView(row);
    this.metrics?.opened(ticket.category, ticket.priority);
    await this.audit(input.tenantId, "ticket.create", actor, ticket.id, { number: ticket.number, category: ticket.category, priority: ticket.priority, source: ticket.source });
    await this.d.emit(input.tenantId, "ticket.created", { ticket });
    return ticket;
  }

  async list(scope: TicketScope, q: { status?: TicketStatus; priority?: TicketPriority; assignee?: string; category?: string; limit?: number; offset?: number }) {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { items, total } = await this.d.repo.list({
      tenantId: scope.tenantId,
      status: q.status,
      priority: q.priority,
      assigneeId: q.assignee,
      category: q.category,
      conversationOwnerId: scope.ownerId,
      limit,
      offset,
    });
    const view = scope.ownerId === undefined ? ticketView : (r: TicketRow) => customerTicketView(ticketView(r));
    return { items: items.map(view), total, limit, offset };
  }

  /** The ticket with its history (a customer's view for customers); 404 when it is not the caller's to see. */
  async get(scope: TicketScope, id: string): Promise<(Ticket | CustomerTicket) & { history: TicketEvent[] }> {
    const row = await this.row(scope, id);
    const customer = scope.ownerId !== undefined;
    const events = await this.d.repo.events(scope.tenantId, id, customer ? CUSTOMER_EVENT_KINDS : undefined);
    return { ...(customer ? customerTicketView(ticketView(row)) : ticketView(row)), history: events.map((e) => eventView(e, customer)) };
  }

  async update(tenantId: string, id: string, changes: TicketChanges, actor: TicketActor = SYSTEM_ACTOR): Promise<Ticket> {
    const current = await this.row({ tenantId }, id);
    if (changes.status === undefined && changes.priority === undefined && changes.assignee === undefined && changes.tags === undefined) {
      throw errors.invalid("NOTHING_TO_CHANGE", "give at least one of status, priority, assignee, tags");
    }
    const patch: TicketPatch = {};
    const events: NewTicketEvent[] = [];
    const ev = (kind: TicketEventKind, data: Record<string, unknown>) => events.push({ kind, actorKind: actor.actorKind, actorId: actor.actorId, data });
    if (changes.status !== undefined && !TICKET_STATUSES.includes(changes.status)) throw errors.invalid("INVALID_STATUS", `status must be one of ${TICKET_STATUSES.join(", ")}`);
    if (changes.status !== undefined && changes.status !== current.status) {
      if (!TRANSITIONS[current.status].includes(changes.status)) {
        const allowed = TRANSITIONS[current.status];
        throw new AppError({
          code: "TICKET_TRANSITION",
          category: "conflict",
          message: `a ${current.status} ticket cannot become ${changes.status}${allowed.length ? ` (allowed: ${allowed.join(", ")})` : " (a closed ticket is final)"}`,
          details: { from: current.status, to: changes.status, allowed: [...allowed] },
        });
      }
      patch.status = changes.status;
      if (changes.status === "solved") patch.solvedAt = new Date();
      else if (changes.status === "closed") patch.closedAt = new Date();
      else patch.solvedAt = null; // reopened
      ev("status", { from: current.status, to: changes.status });
    }
    if (changes.priority !== undefined && changes.priority !== current.priority) {
      if (!TICKET_PRIORITIES.includes(changes.priority)) throw errors.invalid("INVALID_PRIORITY", `priority must be one of ${TICKET_PRIORITIES.join(", ")}`);
      patch.priority = changes.priority;
      ev("priority", { from: current.priority, to: changes.priority });
    }
    if (changes.assignee !== undefined && changes.assignee !== current.assigneeId) {
      if (changes.assignee !== null) await this.checkAssignee(tenantId, changes.assignee);
      patch.assigneeId = changes.assignee;
      ev("assignment", { from: current.assigneeId, to: changes.assignee });
    }
    if (changes.tags !== undefined) {
      const tags = checkTicketInput({ ...current, tags: changes.tags }).tags;
      if (!sameTags(tags, current.tags)) {
        patch.tags = tags;
        ev("tags", { from: current.tags, to: tags });
      }
    }
    if (!events.length) return ticketView(current);
    const row = await this.d.repo.update(tenantId, id, current.status, patch, events);
    if (!row) {
      if (!(await this.d.repo.get(tenantId, id))) throw errors.notFound("ticket", id);
      throw errors.conflict("TICKET_CHANGED", "the ticket's status changed at the same time; read it again and retry");
    }
    const ticket = ticketView(row);
    if (patch.status === "solved") this.metrics?.solved(ticket.category, ticket.priority);
    const changed = Object.fromEntries(events.map((e) => [e.kind === "assignment" ? "assignee" : e.kind, e.data]));
    await this.audit(tenantId, "ticket.update", actor, id, { number: ticket.number, changes: changed });
    await this.d.emit(tenantId, "ticket.updated", { ticket, changes: changed });
    return ticket;
  }

  /** An internal note (agents and admins only; never in a customer's view). */
  addNote(tenantId: string, id: string, body: string, actor: TicketActor): Promise<TicketEvent> {
    return this.addText(tenantId, id, "note", body, actor);
  }

  /** A public reply to the customer, recorded in the history the customer sees (the agent console's replies). */
  reply(tenantId: string, id: string, body: string, actor: TicketActor): Promise<TicketEvent> {
    return this.addText(tenantId, id, "reply", body, actor);
  }

  /**
   * The learning loop: a solved ticket's question and answer become a knowledge-base FAQ document (markdown
   * "Q: ...\n\nA: ...", title = the question, docType faq, source "ticket:<number>") through the ingestion job
   * runner, so it is retrieved and cited like any document. The source is the document's identity: approving the
   * same ticket again replaces that document's content (a new version of the same document id).
   */
  async approveAnswer(tenantId: string, id: string, qa: { question: string; answer: string }, actor: TicketActor) {
    const question = qa.question.replace(/\s+/g, " ").trim();
    const answer = qa.answer.trim();
    if (!question || !answer) throw errors.invalid("EMPTY_ANSWER", "question and answer must not be blank");
    const current = await this.row({ tenantId }, id);
    if (current.status !== "solved") throw errors.conflict("TICKET_NOT_SOLVED", `only a solved ticket's answer can be approved; this ticket is ${current.status}`);
    const title = question.length > 200 ? `${question.slice(0, 199).trimEnd()}…` : question;
    const job = await this.d.ingest({
      tenantId,
      source: `ticket:${current.number}`,
      sourceType: "text",
      bytes: new TextEncoder().encode(`Q: ${question}\n\nA: ${answer}\n`),
      filename: `ticket-${current.number}.md`,
      mimeType: "text/markdown",
      title,
      docType: "faq",
      tags: ["ticket"],
      metadata: { ticketId: current.id, ticketNumber: current.number },
    });
    if (job.status === "failed" || !job.documentId) {
      throw new AppError({ code: job.error?.code ?? "INGEST_FAILED", category: "validation", message: `the answer could not be added to the knowledge base: ${job.error?.message ?? "ingestion failed"}` });
    }
    const result = { documentId: job.documentId, jobId: job.id, status: job.status, source: `ticket:${current.number}` };
    await this.d.repo.addEvent(tenantId, id, { kind: "answer_approved", actorKind: actor.actorKind, actorId: actor.actorId, data: { documentId: job.documentId, question: title } });
    await this.audit(tenantId, "ticket.approve_answer", actor, id, { number: current.number, documentId: job.documentId });
    return result;
  }

  private async addText(tenantId: string, id: string, kind: "note" | "reply", body: string, actor: TicketActor): Promise<TicketEvent> {
    const text = body.trim();
    if (!text) throw errors.invalid("EMPTY_NOTE", `the ${kind} must not be blank`);
    if (text.length > 10_000) throw errors.invalid("NOTE_TOO_LONG", `the ${kind} is ${text.length} characters; the limit is 10000`);
    const current = await this.row({ tenantId }, id);
    const e = await this.d.repo.addEvent(tenantId, id, { kind, actorKind: actor.actorKind, actorId: actor.actorId, data: { body: text } });
    await this.audit(tenantId, `ticket.${kind}`, actor, id, { number: current.number });
    await this.d.emit(tenantId, "ticket.updated", { ticket: ticketView(current), changes: { [kind]: { eventId: e.id } } });
    return eventView(e, false);
  }

  private async row(scope: TicketScope, id: string): Promise<TicketRow> {
    const row = await this.d.repo.get(scope.tenantId, id, scope.ownerId);
    if (!row) throw errors.notFound("ticket", id);
    return row;
  }

  private async checkAssignee(tenantId: string, userId: string) {
    const u = await this.d.user(tenantId, userId);
    if (!u || u.disabled || u.role === "customer") {
      throw errors.invalid("ASSIGNEE_INVALID", `assignee '${userId}' is not an active agent or admin of this tenant`);
    }
  }

  private audit(tenantId: string, action: string, a: TicketActor, target: string, details: Record<string, unknown>) {
    return this.d.audit.add({ tenantId, action, actorKind: a.actorKind, actorId: a.actorId, ip: a.ip ?? null, requestId: a.requestId, target, details });
  }
}
