/**
 * Ticket routes. Agents and admins of the tenant manage tickets; a customer may list and read only the tickets
 * of conversations it owns (api/auth/access-policy.ts decides the role, the service the ownership).
 */
import { Elysia } from "elysia";
import { actorOf, ownerScope, type AuthContext } from "../../auth/principal";
import { authPlugin } from "../../plugins/auth";
import { requestIdPlugin } from "../../plugins/request-id";
import { rejectUnknown } from "../../plugins/strict-fields";
import type { Services } from "../../services";
import { approveAnswerBody, createTicketBody, listTicketsQuery, noteBody, patchTicketBody, ticketIdParams } from "./model";
import type { TicketActor, TicketScope } from "./service";

const scopeOf = (auth: AuthContext): TicketScope => ({ tenantId: auth.tenantId, ownerId: ownerScope(auth) });

export const ticketsModule = (services: Services) => {
  const tickets = services.tickets;
  const tags = ["tickets"];
  return new Elysia({ name: "module:tickets" })
    .use(requestIdPlugin)
    .use(authPlugin(services.auth))
    .derive(({ auth, clientIp, requestId }): { actor: TicketActor; scope: TicketScope } => ({
      actor: { ...actorOf(auth.principal), ip: clientIp, requestId },
      scope: scopeOf(auth),
    }))
    .post(
      "/v1/tickets",
      async ({ auth, actor, body, set }) => {
        const t = await tickets.create({ ...body, tenantId: auth.tenantId, source: auth.principal.kind === "token" ? "api" : "agent" }, actor);
        set.status = 201;
        return t;
      },
      { body: createTicketBody, transform: rejectUnknown({ body: createTicketBody }), detail: { tags, summary: "Open a ticket (status open; the number is the tenant's next, shown to customers as #<number>)" } },
    )
    .get("/v1/tickets", ({ scope, query }) => tickets.list(scope, query), {
      query: listTicketsQuery,
      transform: rejectUnknown({ query: listTicketsQuery }),
      detail: { tags, summary: "Tickets newest first, filtered by status, priority, assignee, category (customers: only their conversations' tickets)" },
    })
    .get("/v1/tickets/:id", ({ scope, params }) => tickets.get(scope, params.id), {
      params: ticketIdParams,
      detail: { tags, summary: "A ticket with its history (customers never see internal notes)" },
    })
    .patch("/v1/tickets/:id", ({ auth, actor, params, body }) => tickets.update(auth.tenantId, params.id, body, actor), {
      params: ticketIdParams,
      body: patchTicketBody,
      transform: rejectUnknown({ body: patchTicketBody }),
      detail: {
        tags,
        summary: "Change status, priority, assignee or tags",
        description: "Status: open -> pending|solved|closed, pending -> open|solved|closed, solved -> open|closed, closed is final; any other change is 409 TICKET_TRANSITION. The assignee must be an agent or admin of the tenant (422).",
      },
    })
    .post(
      "/v1/tickets/:id/notes",
      async ({ auth, actor, params, body, set }) => {
        const e = await tickets.addNote(auth.tenantId, params.id, body.body, actor);
        set.status = 201;
        return e;
      },
      { params: ticketIdParams, body: noteBody, transform: rejectUnknown({ body: noteBody }), detail: { tags, summary: "Add an internal note (never shown to the customer)" } },
    )
    .post(
      "/v1/tickets/:id/approve-answer",
      async ({ auth, actor, params, body, set }) => {
        const r = await tickets.approveAnswer(auth.tenantId, params.id, body, actor);
        set.status = 201;
        return r;
      },
      {
        params: ticketIdParams,
        body: approveAnswerBody,
        transform: rejectUnknown({ body: approveAnswerBody }),
        detail: {
          tags,
          summary: "Turn a solved ticket's question and answer into a knowledge-base FAQ document (409 unless solved)",
          description: "The document (source ticket:<number>, docType faq) is ingested like any other and cited in answers; approving the same ticket again replaces its content (same document id).",
        },
      },
    );
};
