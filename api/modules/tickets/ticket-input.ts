/**
 * Checks of a ticket's fields for callers that do not come through the HTTP schema (the answer pipeline's ticket
 * stage): the same limits as api/modules/tickets/model.ts, as 422 errors naming the field. Tags are trimmed and
 * deduplicated in their order.
 */
import { TICKET_PRIORITIES, type TicketPriority } from "../../../core/db/ticket-repository";
import { errors } from "../../../core/errors";
import { CATEGORY_PATTERN, MAX_TAGS } from "./model";

const CATEGORY = new RegExp(CATEGORY_PATTERN);

export interface CheckedTicketInput {
  subject: string;
  summary: string;
  category: string;
  priority: TicketPriority;
  tags: string[];
}

export function checkTicketInput(i: { subject: string; summary: string; category: string; priority?: TicketPriority; tags?: string[] }): CheckedTicketInput {
  const subject = typeof i.subject === "string" ? i.subject.replace(/\s+/g, " ").trim() : "";
  if (!subject || subject.length > 200) throw errors.invalid("INVALID_TICKET_FIELD", "subject must be 1-200 characters", { field: "subject" });
  const summary = typeof i.summary === "string" ? i.summary.trim() : "";
  if (!summary || summary.length > 10_000) throw errors.invalid("INVALID_TICKET_FIELD", "summary must be 1-10000 characters", { field: "summary" });
  if (typeof i.category !== "string" || !CATEGORY.test(i.category)) {
    throw errors.invalid("INVALID_TICKET_FIELD", "category must be 1-64 letters, digits, '_', '.' or '-'", { field: "category" });
  }
  const priority = i.priority ?? "normal";
  if (!TICKET_PRIORITIES.includes(priority)) throw errors.invalid("INVALID_TICKET_FIELD", `priority must be one of ${TICKET_PRIORITIES.join(", ")}`, { field: "priority" });
  const tags: string[] = [];
  for (const raw of i.tags ?? []) {
    const t = typeof raw === "string" ? raw.trim() : "";
    if (!t || t.length > 64 || t.includes("|")) throw errors.invalid("INVALID_TICKET_FIELD", "tags must be 1-64 characters and must not contain '|'", { field: "tags" });
    if (!tags.includes(t)) tags.push(t);
  }
  if (tags.length > MAX_TAGS) throw errors.invalid("INVALID_TICKET_FIELD", `at most ${MAX_TAGS} tags`, { field: "tags" });
  return { subject, summary, category: i.category, priority, tags };
}
