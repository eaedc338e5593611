import { t } from "elysia";
import { WEBHOOK_EVENTS } from "../../webhooks/webhook-events";

const strict = { additionalProperties: false } as const;
const event = t.Union(WEBHOOK_EVENTS.map((e) => t.Literal(e)), { description: WEBHOOK_EVENTS.join(" | ") });
const events = t.Array(event, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true, description: "Events sent to this receiver" });
const url = t.String({ minLength: 1, maxLength: 2048, description: "http(s) URL the events are POSTed to (public addresses only unless URL_FETCH_ALLOW_PRIVATE / URL_FETCH_ALLOWED_HOSTS)" });

export const webhookIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 128 }) });

export const createWebhookBody = t.Object({ url, events, active: t.Optional(t.Boolean({ description: "default true" })) }, strict);

export const patchWebhookBody = t.Object({ url: t.Optional(url), events: t.Optional(events), active: t.Optional(t.Boolean()) }, strict);

export const deliveriesQuery = t.Object(
  {
    status: t.Optional(t.Union([t.Literal("pending"), t.Literal("delivered"), t.Literal("failed")])),
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
    offset: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  strict,
);

export type CreateWebhookBody = typeof createWebhookBody.static;
export type PatchWebhookBody = typeof patchWebhookBody.static;
export type DeliveriesQuery = typeof deliveriesQuery.static;
