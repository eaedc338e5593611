import { Elysia } from "elysia";
import { actorOf } from "../../auth/principal";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import { promptResponse, putPromptBody } from "./model";
import { systemPromptStore } from "./service";

/** GET/PUT /v1/admin/prompt: the system prompt of the LLM answer stage, per tenant, versioned. */
export const adminPromptModule = (services: Services) => {
  const store = systemPromptStore(services.stores.kbState);
  return new Elysia({ name: "module:admin-prompt" })
    .use(authPlugin(services.auth))
    .get("/v1/admin/prompt", ({ auth }) => store.get(auth.tenantId), {
      response: promptResponse,
      detail: { tags: ["admin"], summary: "The system prompt the LLM answers with (version 0 = built-in default)" },
    })
    .put(
      "/v1/admin/prompt",
      async ({ body, auth, clientIp }) => {
        const out = await store.put(auth.tenantId, body.text, body.expectedVersion);
        await services.audit.add({ tenantId: auth.tenantId, action: "prompt.update", ...actorOf(auth.principal), ip: clientIp, details: { version: out.version, chars: body.text.length } });
        return out;
      },
      {
      body: putPromptBody,
      response: promptResponse,
      detail: {
        tags: ["admin"],
        summary: "Replace the system prompt (422 when empty or too long; 409 when expectedVersion is stale)",
        description: "Each change increments the version; answers record the version they were generated with.",
      },
    });
};
