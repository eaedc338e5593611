/**
 * The events a tenant's webhook receivers can subscribe to, and the one function that emits them. The ticket
 * service emits ticket.created and ticket.updated; the handoff and conversation code call the same emitter for
 * handoff.requested, handoff.taken and conversation.closed.
 */
export const WEBHOOK_EVENTS = ["ticket.created", "ticket.updated", "handoff.requested", "handoff.taken", "conversation.closed"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** The JSON body every delivery carries (exactly these bytes are signed). */
export interface WebhookEventBody {
  /** Unique per event; the same for every receiver and every retry, so a receiver can drop duplicates. */
  id: string;
  type: WebhookEventType;
  createdAt: string;
  tenantId: string;
  data: Record<string, unknown>;
}

/**
 * Emits an event to every active receiver of the tenant subscribed to it: writes one pending delivery per
 * receiver and wakes the sender; returns once the deliveries are stored, never waiting for a receiver.
 */
export type WebhookEmit = (tenantId: string, type: WebhookEventType, data: Record<string, unknown>) => Promise<void>;
