/**
 * Administration of a tenant's webhook receivers and their delivery log. A receiver's URL is checked under the
 * URL-fetch address policy when it is set (and again at every attempt): a host that is or resolves to a private,
 * loopback or other non-public address is refused (422 URL_NOT_ALLOWED) unless URL_FETCH_ALLOW_PRIVATE or
 * URL_FETCH_ALLOWED_HOSTS exempts it. The secret is generated here and returned once, at creation.
 */
import type { AuditRepository } from "../../../core/db/audit-repository";
import type { WebhookDeliveryRow, WebhookReceiverRow, WebhookRepository } from "../../../core/db/webhook-repository";
import { errors } from "../../../core/errors";
import { checkUrl, type AddressPolicy } from "../../../ingest/fetch/address-policy";
import { checkedAddress, systemResolver, type Resolver } from "../../../ingest/fetch/safe-fetch";
import { newWebhookSecret } from "../../webhooks/webhook-signature";
import { actor, type Caller } from "../accounts/service";
import type { CreateWebhookBody, DeliveriesQuery, PatchWebhookBody } from "./model";

export interface WebhookAdminServices {
  webhookRepo: WebhookRepository;
  audit: AuditRepository;
  /** The URL-fetch policy (config.urlFetch) and resolver (tests inject one). */
  urlPolicy: AddressPolicy;
  resolve?: Resolver;
}

export const receiverView = (r: WebhookReceiverRow) => ({
  id: r.id,
  url: r.url,
  events: r.events,
  active: r.active,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export const deliveryView = (d: WebhookDeliveryRow) => ({
  id: d.id,
  eventId: d.eventId,
  event: d.eventType,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  deliveredAt: d.deliveredAt,
  payload: JSON.parse(d.body) as unknown,
});

async function checkReceiverUrl(s: WebhookAdminServices, raw: string): Promise<string> {
  const url = checkUrl(raw.trim(), s.urlPolicy);
  await checkedAddress(url, s.urlPolicy, s.resolve ?? systemResolver, AbortSignal.timeout(10_000));
  url.hash = "";
  return url.href;
}

async function receiverOf(s: WebhookAdminServices, tenantId: string, id: string) {
  const r = await s.webhookRepo.receiver(tenantId, id);
  if (!r) throw errors.notFound("webhook", id);
  return r;
}

export async function createReceiver(s: WebhookAdminServices, c: Caller, body: CreateWebhookBody) {
  const url = await checkReceiverUrl(s, body.url);
  const secret = newWebhookSecret();
  const p = c.auth.principal;
  const r = await s.webhookRepo.createReceiver({
    id: `wh_${crypto.randomUUID()}`,
    tenantId: c.auth.tenantId,
    url,
    events: body.events,
    secret,
    createdBy: p.kind === "anonymous" ? null : `${p.kind}:${p.id}`,
  });
  const created = body.active === false ? ((await s.webhookRepo.updateReceiver(c.auth.tenantId, r.id, { active: false })) ?? r) : r;
  await s.audit.add({ tenantId: c.auth.tenantId, action: "webhook.create", ...actor(c), target: r.id, details: { url, events: body.events } });
  return { ...receiverView(created), secret };
}

export async function listReceivers(s: WebhookAdminServices, c: Caller) {
  return { items: (await s.webhookRepo.receivers(c.auth.tenantId)).map(receiverView) };
}

export async function getReceiver(s: WebhookAdminServices, c: Caller, id: string) {
  return receiverView(await receiverOf(s, c.auth.tenantId, id));
}

export async function patchReceiver(s: WebhookAdminServices, c: Caller, id: string, body: PatchWebhookBody) {
  await receiverOf(s, c.auth.tenantId, id);
  if (body.url === undefined && body.events === undefined && body.active === undefined) {
    throw errors.invalid("NOTHING_TO_CHANGE", "give at least one of url, events, active");
  }
  const url = body.url === undefined ? undefined : await checkReceiverUrl(s, body.url);
  const r = await s.webhookRepo.updateReceiver(c.auth.tenantId, id, { ...(url ? { url } : {}), ...(body.events ? { events: body.events } : {}), ...(body.active === undefined ? {} : { active: body.active }) });
  if (!r) throw errors.notFound("webhook", id);
  await s.audit.add({ tenantId: c.auth.tenantId, action: "webhook.update", ...actor(c), target: id, details: { changed: Object.keys(body), ...(url ? { url } : {}) } });
  return receiverView(r);
}

export async function deleteReceiver(s: WebhookAdminServices, c: Caller, id: string) {
  if (!(await s.webhookRepo.deleteReceiver(c.auth.tenantId, id))) throw errors.notFound("webhook", id);
  await s.audit.add({ tenantId: c.auth.tenantId, action: "webhook.delete", ...actor(c), target: id });
  return { deleted: true, id };
}

export async function listDeliveries(s: WebhookAdminServices, c: Caller, id: string, q: DeliveriesQuery) {
  await receiverOf(s, c.auth.tenantId, id);
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  const { items, total } = await s.webhookRepo.deliveries({ tenantId: c.auth.tenantId, receiverId: id, status: q.status, limit, offset });
  return { items: items.map(deliveryView), total, limit, offset };
}
