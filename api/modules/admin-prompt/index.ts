import { Elysia } from "elysia";
import type { Services } from "../../services";
import { promptResponse, putPromptBody } from "./model";
import { systemPromptStore } from "./service";

/** GET/PUT /v1/admin/prompt: the system prompt of the LLM answer stage, per tenant, versioned. */
export const adminPromptModule = (services: Services) => {
  const store = systemPromptStore(services.stores.kbState);
  const tenant = () => services.config.defaultTenant;
  return new Elysia({ name: "module:admin-prompt" })
    .get("/v1/admin/prompt", () => store.get(tenant()), {
      response: promptResponse,
      detail: { tags: ["admin"], summary: "The system prompt the LLM answers with (version 0 = built-in default)" },
    })
    .put("/v1/admin/prompt", ({ body }) => store.put(tenant(), body.text, body.expectedVersion), {
      body: putPromptBody,
      response: promptResponse,
      detail: {
        tags: ["admin"],
        summary: "Replace the system prompt (422 when empty or too long; 409 when expectedVersion is stale)",
        description: "Each change increments the version; answers record the version they were generated with.",
      },
    });
};
