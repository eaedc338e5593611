import { t } from "elysia";
import { TICKET_PRIORITIES, TICKET_SOURCES, TICKET_STATUSES } from "../../../core/db/ticket-repository";

/** Unknown fields are refused (422), not dropped: a misspelt field must not be silently ignored. */
const strict = { additionalProperties: false } as const;
const literals = <T extends readonly string[]>(values: T, description?: string) => t.Union(values.map((v) => t.Literal(v)), { description: description ?? values.join(" | ") });

export const MAX_TAGS = 20;
export const CATEGORY_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";

const status = literals(TICKET_STATUSES);
const priority = literals(TICKET_PRIORITIES);
const category = t.String({ pattern: CATEGORY_PATTERN, description: "1-64 letters, digits, '_', '.', '-' (an intent name such as refund)" });
const tag = t.String({ minLength: 1, maxLength: 64, pattern: "^[^|]*\\S[^|]*$", description: "1-64 characters, no '|'" });
const tags = t.Array(tag, { maxItems: MAX_TAGS });
const userId = t.String({ minLength: 1, maxLength: 128 });

export const ticketIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 128 }) });

export const createTicketBody = t.Object(
  {
    subject: t.String({ minLength: 1, maxLength: 200 }),
    summary: t.String({ minLength: 1, maxLength: 10_000 }),
    category,
    priority: t.Optional(priority),
    conversationId: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
    requester: t.Optional(
      t.Object({ ownerId: t.Optional(t.String({ minLength: 1, maxLength: 200 })), email: t.Optional(t.String({ format: "email", maxLength: 254 })) }, strict),
    ),
    tags: t.Optional(tags),
    assignee: t.Optional(userId),
  },
  strict,
);

export const patchTicketBody = t.Object(
  {
    status: t.Optional(status),
    priority: t.Optional(priority),
    assignee: t.Optional(t.Union([userId, t.Null()], { description: "a user id of an agent or admin of the tenant; null unassigns" })),
    tags: t.Optional(tags),
  },
  strict,
);

export const noteBody = t.Object({ body: t.String({ minLength: 1, maxLength: 10_000, description: "Internal note: agents and admins only, never shown to the customer" }) }, strict);

export const approveAnswerBody = t.Object(
  {
    question: t.String({ minLength: 1, maxLength: 2000, description: "The customer's question, as it should be found; it becomes the document's title" }),
    answer: t.String({ minLength: 1, maxLength: 20_000 }),
  },
  strict,
);

export const listTicketsQuery = t.Object(
  {
    status: t.Optional(status),
    priority: t.Optional(priority),
    assignee: t.Optional(userId),
    category: t.Optional(category),
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
    offset: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  strict,
);

export { TICKET_SOURCES };
export type CreateTicketBody = typeof createTicketBody.static;
export type PatchTicketBody = typeof patchTicketBody.static;
export type ListTicketsQuery = typeof listTicketsQuery.static;
