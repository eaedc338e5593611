/**
 * POST /v1/guard/check: one text through one rail (input, retrieval or output), with every violation's rail,
 * rule, span and score and each layer's verdict; the debugging view of what the answer pipeline does.
 * GET / PUT / DELETE /v1/admin/guardrails: the tenant's rail configuration (PUT replaces it; fields left out
 * take the defaults; DELETE restores the defaults), audited.
 */
import { Elysia } from "elysia";
import { actorOf } from "../../auth/principal";
import { authPlugin } from "../../plugins/auth";
import { requestIdPlugin } from "../../plugins/request-id";
import type { Services } from "../../services";
import { guardCheckBody, guardCheckResponse, guardConfigBody } from "./model";
import { checkText, putGuardConfig, resetGuardConfig } from "./service";

export const guardModule = (services: Services) =>
  new Elysia({ name: "module:guard" })
    .use(requestIdPlugin)
    .use(authPlugin(services.auth))
    .post("/v1/guard/check", ({ body, auth }) => checkText(services, auth.tenantId, body), {
      body: guardCheckBody,
      response: guardCheckResponse,
      detail: {
        tags: ["guardrails"],
        summary: "Check a text with the input, retrieval or output rail",
        description: "Returns whether the text is allowed, the action the pipeline would take, the violations (rail, rule, span, score; never the matched personal data) and each layer's verdict. A block is counted and audited.",
      },
    })
    .get("/v1/admin/guardrails", ({ auth }) => services.guardConfigs.get(auth.tenantId), {
      detail: { tags: ["admin", "guardrails"], summary: "The tenant's guardrail configuration (the defaults when never changed)" },
    })
    .put("/v1/admin/guardrails", ({ body, auth, clientIp, requestId }) => putGuardConfig(services, auth.tenantId, body, { ...actorOf(auth.principal), ip: clientIp, requestId }), {
      body: guardConfigBody,
      detail: { tags: ["admin", "guardrails"], summary: "Replace the tenant's guardrail configuration (422 GUARD_CONFIG_INVALID names the bad field)" },
    })
    .delete("/v1/admin/guardrails", ({ auth, clientIp, requestId }) => resetGuardConfig(services, auth.tenantId, { ...actorOf(auth.principal), ip: clientIp, requestId }), {
      detail: { tags: ["admin", "guardrails"], summary: "Restore the default guardrail configuration" },
    });
