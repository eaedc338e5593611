/** Admin routes of the caller's tenant: users, API tokens, the audit log, and tenants (operator tenant only). */
import { Elysia } from "elysia";
import { errors } from "../../../core/errors";
import { userView } from "../../auth/auth-service";
import { authPlugin } from "../../plugins/auth";
import { requestIdPlugin } from "../../plugins/request-id";
import type { Services } from "../../services";
import { auditQuery, createTenantBody, createTokenBody, createUserBody, idParams, pageQuery, patchUserBody } from "./model";
import { actor, createTenant, createToken, deleteUser, listTenants, patchUser, revokeToken, tokenView } from "./service";

const date = (s: string | undefined, name: string) => {
  if (s === undefined) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw errors.invalid("INVALID_DATE", `${name} must be an ISO 8601 date-time`);
  return d;
};

export const accountsModule = (services: Services) =>
  new Elysia({ name: "module:accounts" })
    .use(requestIdPlugin)
    .use(authPlugin(services.auth))
    .derive(({ auth, clientIp, requestId }) => ({ caller: { auth, ip: clientIp, requestId } }))
    .get(
      "/v1/admin/users",
      async ({ auth, query }) => {
        const limit = query.limit ?? 50;
        const offset = query.offset ?? 0;
        const { items, total } = await services.auth.accounts.listUsers(auth.tenantId, limit, offset);
        return { items: items.map(userView), total, limit, offset };
      },
      { query: pageQuery, detail: { tags: ["admin"], summary: "Users of the tenant (paged)" } },
    )
    .post(
      "/v1/admin/users",
      async ({ caller, body, set }) => {
        const u = await services.auth.createUser(caller.auth.tenantId, body, actor(caller));
        set.status = 201;
        return userView(u);
      },
      { body: createUserBody, detail: { tags: ["admin"], summary: "Create a user (customer | agent | admin); a customer's email links it to its orders" } },
    )
    .patch("/v1/admin/users/:id", ({ caller, params, body }) => patchUser(services, caller, params.id, body), {
      params: idParams,
      body: patchUserBody,
      detail: { tags: ["admin"], summary: "Change a user's role, email, password or disabled flag (the last admin stays)" },
    })
    .delete("/v1/admin/users/:id", ({ caller, params }) => deleteUser(services, caller, params.id), {
      params: idParams,
      detail: { tags: ["admin"], summary: "Delete a user and revoke its refresh tokens" },
    })
    .get("/v1/admin/tokens", async ({ auth }) => ({ items: (await services.auth.accounts.listApiTokens(auth.tenantId)).map(tokenView) }), {
      detail: { tags: ["admin"], summary: "API tokens of the tenant (never the secret; prefix, role, last used, revoked)" },
    })
    .post(
      "/v1/admin/tokens",
      async ({ caller, body, set }) => {
        set.status = 201;
        return createToken(services, caller, body);
      },
      { body: createTokenBody, detail: { tags: ["admin"], summary: "Create an API token sk_... scoped to this tenant and a role; the secret is shown once" } },
    )
    .delete("/v1/admin/tokens/:id", ({ caller, params }) => revokeToken(services, caller, params.id), {
      params: idParams,
      detail: { tags: ["admin"], summary: "Revoke an API token (at once on this replica, within 5 s on others)" },
    })
    .get(
      "/v1/admin/audit",
      async ({ auth, query }) => {
        const limit = query.limit ?? 50;
        const offset = query.offset ?? 0;
        const { items, total } = await services.audit.list({
          tenantId: auth.tenantId,
          action: query.action,
          actorId: query.actorId,
          since: date(query.since, "since"),
          until: date(query.until, "until"),
          limit,
          offset,
        });
        return { items, total, limit, offset };
      },
      { query: auditQuery, detail: { tags: ["admin"], summary: "The tenant's audit log, newest first: logins, failed logins, user, token, document and prompt changes" } },
    )
    .get("/v1/admin/tenants", ({ caller }) => listTenants(services, caller), { detail: { tags: ["admin"], summary: "Tenants (admins of the default tenant only)" } })
    .post(
      "/v1/admin/tenants",
      async ({ caller, body, set }) => {
        set.status = 201;
        return createTenant(services, caller, body);
      },
      { body: createTenantBody, detail: { tags: ["admin"], summary: "Create a tenant with its first admin (admins of the default tenant only)" } },
    );
