/** Admin routes of the tenant's outbound webhook receivers and their delivery log. */
import { Elysia } from "elysia";
import { authPlugin } from "../../plugins/auth";
import { requestIdPlugin } from "../../plugins/request-id";
import { rejectUnknown } from "../../plugins/strict-fields";
import type { Services } from "../../services";
import { createWebhookBody, deliveriesQuery, patchWebhookBody, webhookIdParams } from "./model";
import { createReceiver, deleteReceiver, getReceiver, listDeliveries, listReceivers, patchReceiver, type WebhookAdminServices } from "./service";

export const webhooksModule = (services: Services) => {
  const s: WebhookAdminServices = { webhookRepo: services.webhooks.repo, audit: services.audit, urlPolicy: services.config.urlFetch };
  const tags = ["webhooks"];
  return new Elysia({ name: "module:webhooks" })
    .use(requestIdPlugin)
    .use(authPlugin(services.auth))
    .derive(({ auth, clientIp, requestId }) => ({ caller: { auth, ip: clientIp, requestId } }))
    .get("/v1/admin/webhooks", ({ caller }) => listReceivers(s, caller), { detail: { tags, summary: "Webhook receivers of the tenant (never their secrets)" } })
    .post(
      "/v1/admin/webhooks",
      async ({ caller, body, set }) => {
        const r = await createReceiver(s, caller, body);
        set.status = 201;
        return r;
      },
      {
        body: createWebhookBody,
        transform: rejectUnknown({ body: createWebhookBody }),
        detail: {
          tags,
          summary: "Add a receiver {url, events[]}; the generated signing secret is in this response only",
          description:
            "Each delivery is a POST of the event JSON with `X-Deskpilot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of `${t}.${body}` with the secret>`, " +
            "`X-Deskpilot-Event` and `X-Deskpilot-Delivery`. Non-2xx answers are retried with exponential backoff and jitter.",
        },
      },
    )
    .get("/v1/admin/webhooks/:id", ({ caller, params }) => getReceiver(s, caller, params.id), { params: webhookIdParams, detail: { tags, summary: "One receiver" } })
    .patch("/v1/admin/webhooks/:id", ({ caller, params, body }) => patchReceiver(s, caller, params.id, body), {
      params: webhookIdParams,
      body: patchWebhookBody,
      transform: rejectUnknown({ body: patchWebhookBody }),
      detail: { tags, summary: "Change a receiver's url, events or active flag" },
    })
    .delete("/v1/admin/webhooks/:id", ({ caller, params }) => deleteReceiver(s, caller, params.id), {
      params: webhookIdParams,
      detail: { tags, summary: "Delete a receiver and its delivery log" },
    })
    .get("/v1/admin/webhooks/:id/deliveries", ({ caller, params, query }) => listDeliveries(s, caller, params.id, query), {
      params: webhookIdParams,
      query: deliveriesQuery,
      transform: rejectUnknown({ query: deliveriesQuery }),
      detail: { tags, summary: "The receiver's deliveries, newest first: status, attempts, next attempt, last status code and error" },
    });
};
