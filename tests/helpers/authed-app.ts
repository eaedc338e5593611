/**
 * The real app for suites that test something other than access control: every request that carries no
 * Authorization header gets an admin access token of the default tenant (minted by the app's own AuthService,
 * verified by the real auth plugin). Suites about access control use createApp and send their own credentials.
 */
import { createApp, type AppOptions } from "../../api/app";
import type { Services } from "../../api/services";

export const TEST_ADMIN = { id: "usr_test_admin", username: "test-admin", role: "admin" as const, email: null };

export function adminToken(services: Services, tenantId = services.config.defaultTenant): Promise<string> {
  return services.auth.accessToken({ ...TEST_ADMIN, tenantId }, 3600);
}

export function authedApp(services: Services, opts: AppOptions = {}) {
  const app = createApp(services, opts);
  const token = adminToken(services);
  app.onRequest(async ({ request }) => {
    if (!request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${await token}`);
  });
  return app;
}
