/**
 * Sign-in: POST /v1/auth/login, /refresh (rotating), /logout; POST /v1/auth/widget (anonymous session of the
 * public chat); GET /v1/auth/me.
 */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { authPlugin } from "../../plugins/auth";
import { requestIdPlugin } from "../../plugins/request-id";
import { userView } from "../../auth/auth-service";
import { loginBody, refreshBody, tokensResponse, widgetBody } from "./model";

export const authModule = (services: Services) =>
  new Elysia({ name: "module:auth" })
    .use(requestIdPlugin)
    .use(authPlugin(services.auth))
    .post("/v1/auth/login", ({ body, clientIp, requestId }) => services.auth.login(body, clientIp, requestId), {
      body: loginBody,
      detail: { tags: ["auth"], summary: "Sign in with username and password; returns an access token and a refresh token (failed logins are throttled per account and IP)" },
    })
    .post("/v1/auth/refresh", ({ body, clientIp, requestId }) => services.auth.refresh(body.refreshToken, clientIp, requestId), {
      body: refreshBody,
      response: tokensResponse,
      detail: { tags: ["auth"], summary: "Trade a refresh token for a new pair (single use; a reused token revokes its family)" },
    })
    .post(
      "/v1/auth/logout",
      async ({ body }) => {
        await services.auth.logout(body.refreshToken);
        return { signedOut: true };
      },
      { body: refreshBody, detail: { tags: ["auth"], summary: "Revoke the refresh token's family (the access token expires by itself)" } },
    )
    .post("/v1/auth/widget", ({ body }) => services.auth.widgetSession(body?.tenant), {
      body: widgetBody,
      detail: {
        tags: ["auth"],
        summary: "An anonymous chat session for the public widget: a signed token with the customer role, short-lived, that sees only the conversations it opens",
      },
    })
    .get(
      "/v1/auth/me",
      async ({ auth }) => {
        const p = auth.principal;
        if (p.kind === "user") {
          const u = await services.auth.accounts.user(auth.tenantId, p.id);
          return { kind: p.kind, tenantId: auth.tenantId, role: auth.role, ...(u ? { user: userView(u) } : { id: p.id }) };
        }
        return { kind: p.kind, tenantId: auth.tenantId, role: auth.role, id: p.kind === "anonymous" ? null : p.id, ...(p.kind === "token" ? { name: p.name } : {}) };
      },
      { detail: { tags: ["auth"], summary: "Who the credential belongs to: kind (user | token | widget), tenant, role" } },
    );
