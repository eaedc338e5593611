/**
 * The webhook emitter others call (services.webhooks.emit): one pending delivery per subscribed receiver, the
 * same body (and event id) for all of them, then the sender is woken. It returns when the rows are stored; a
 * failure to store is logged and does not fail the change that emitted it (that change is committed already).
 */
import type { WebhookRepository } from "../../core/db/webhook-repository";
import type { WebhookEmit, WebhookEventBody } from "./webhook-events";

export function createWebhookEmitter(o: { repo: WebhookRepository; wake: () => void; log?: (line: string) => void }): WebhookEmit {
  return async (tenantId, type, data) => {
    try {
      const receivers = await o.repo.subscribers(tenantId, type);
      if (!receivers.length) return;
      const event: WebhookEventBody = { id: `evt_${crypto.randomUUID()}`, type, createdAt: new Date().toISOString(), tenantId, data };
      const body = JSON.stringify(event);
      await o.repo.enqueue(receivers.map((r) => ({ id: `whd_${crypto.randomUUID()}`, tenantId, receiverId: r.id, eventId: event.id, eventType: type, body })));
      o.wake();
    } catch (e) {
      o.log?.(`webhooks: could not queue ${type} for tenant ${tenantId}: ${(e as Error).message}`);
    }
  };
}
