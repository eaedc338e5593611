import { Elysia, t } from "elysia";
import { authPlugin } from "../../plugins/auth";
import { requestIdPlugin } from "../../plugins/request-id";
import { actor, type Caller } from "../accounts/service";
import type { Services } from "../../services";
import { createIntentBody, intentResponse, intentSetResponse, patchIntentBody } from "./model";
import { IntentService } from "./service";

/** /v1/admin/intents: the tenant's intents (name, description, route, examples, threshold, reply), admin only. */
export const intentsModule = (services: Services) => {
  const intents = new IntentService(services.intentRepository, services.intents);
  const audit = (c: Caller, action: string, name: string) => services.audit.add({ tenantId: c.auth.tenantId, action, ...actor(c), target: name });
  const params = t.Object({ name: t.String() });
  return new Elysia({ name: "module:intents" })
    .use(requestIdPlugin)
    .use(authPlugin(services.auth))
    .derive(({ auth, clientIp, requestId }) => ({ caller: { auth, ip: clientIp, requestId } }))
    .get("/v1/admin/intents", ({ auth }) => intents.list(auth.tenantId), { response: intentSetResponse, detail: { tags: ["admin"], summary: "The tenant's intents (the built-in defaults until the first change)" } })
    .post(
      "/v1/admin/intents",
      async ({ body, auth, caller, set }) => {
        const out = await intents.create(auth.tenantId, body);
        await audit(caller, "intent.create", out.name);
        set.status = 201;
        return out;
      },
      { body: createIntentBody, response: { 201: intentResponse }, detail: { tags: ["admin"], summary: "Add an intent (409 when the name exists, 422 for an unknown route)" } },
    )
    .post(
      "/v1/admin/intents/reset",
      async ({ auth, caller }) => {
        const out = await intents.reset(auth.tenantId);
        await audit(caller, "intent.reset", "*");
        return out;
      },
      { response: intentSetResponse, detail: { tags: ["admin"], summary: "Back to the built-in default intents" } },
    )
    .get("/v1/admin/intents/:name", ({ params, auth }) => intents.get(auth.tenantId, params.name), { params, response: intentResponse, detail: { tags: ["admin"], summary: "One intent" } })
    .patch(
      "/v1/admin/intents/:name",
      async ({ params, body, auth, caller }) => {
        const out = await intents.update(auth.tenantId, params.name, body);
        await audit(caller, "intent.update", params.name);
        return out;
      },
      { params, body: patchIntentBody, response: intentResponse, detail: { tags: ["admin"], summary: "Change an intent (examples, route, threshold, reply, name)" } },
    )
    .delete(
      "/v1/admin/intents/:name",
      async ({ params, auth, caller, set }) => {
        await intents.remove(auth.tenantId, params.name);
        await audit(caller, "intent.delete", params.name);
        set.status = 204;
      },
      { params, detail: { tags: ["admin"], summary: "Remove an intent" } },
    );
};
