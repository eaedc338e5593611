/** Composes the Elysia app from plugins and feature modules. Exported so tests can call app.handle(request). */
import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
import { createLogger } from "../core/logger";
import { accountsModule } from "./modules/accounts";
import { intentsModule } from "./modules/intents";
import { routeModule } from "./modules/route";
import { adminPromptModule } from "./modules/admin-prompt";
import { authModule } from "./modules/auth";
import { chatCompletionsModule } from "./modules/chat-completions";
import { conversationsModule } from "./modules/conversations";
import { documentsModule } from "./modules/documents";
import { feedbackModule } from "./modules/feedback";
import { guardModule } from "./modules/guard";
import { graphModule } from "./modules/graph";
import { healthModule } from "./modules/health";
import { searchModule } from "./modules/search";
import { ticketsModule } from "./modules/tickets";
import { webhooksModule } from "./modules/webhooks";
import { wsModule } from "./modules/ws";
import { corsPlugin } from "./plugins/cors";
import { edgePlugin } from "./plugins/edge";
import { docsPage } from "./plugins/docs-page";
import { errorsPlugin } from "./plugins/errors";
import { documentRoutes, OPENAPI_COMPONENTS, WS_PATH } from "./plugins/openapi-extras";
import { metricsPlugin } from "./plugins/metrics";
import { rateLimitPlugin, type IdentityResolver } from "./plugins/rate-limit";
import { rateLimiterFor } from "./plugins/rate-limiter";
import { requestIdPlugin } from "./plugins/request-id";
import { authPlugin, rateLimitIdentity } from "./plugins/auth";
import { securityHeadersPlugin } from "./plugins/security-headers";
import type { Services } from "./services";

export interface AppOptions {
  /** Injected into URL ingestion (tests). */
  fetch?: typeof fetch;
  /** Credential and tenant of a request for the per-token and per-tenant rate limits (the auth layer's); default none. */
  resolveIdentity?: IdentityResolver;
}

/** The largest request body: the largest upload plus room for multipart framing (413 with the error JSON above). */
export const maxBodyBytes = (config: Services["config"]) => config.limits.maxUploadBytes + 1024 * 1024;

/**
 * Options for Bun.serve (api/server.ts, tests). Bun's own limit answers 413 with an empty body before the app
 * runs, so it is set far above the app's limit: the app refuses a large Content-Length at once and stops reading
 * a chunked body past the limit, both with the standard error JSON.
 */
export const serveOptions = (config: Services["config"]) => ({ maxRequestBodySize: 4 * maxBodyBytes(config) + 64 * 1024 * 1024, idleTimeout: 120 });

export function createApp(services: Services, opts: AppOptions = {}) {
  const { security } = services.config;
  // normalize "typebox" drops unknown fields like the default (exact mirror) does, but leaves a value of the wrong
  // type alone so validation refuses it: the exact mirror rebuilt `filters: "x"` into `{}` and the filter was lost.
  const app = new Elysia({ normalize: "typebox" })
    .use(errorsPlugin)
    // Before routing, in this order: headers every response carries, CORS (answers preflights), body limits,
    // request id, metrics, rate limits (a 429 is measured and carries the headers above).
    .use(securityHeadersPlugin({ hstsMaxAge: security.hstsMaxAge, docsPath: "/swagger" }))
    .use(corsPlugin({ origins: security.corsOrigins }))
    .use(edgePlugin({ maxBodyBytes: maxBodyBytes(services.config), formRoutes: ["/v1/documents"] }))
    .use(requestIdPlugin)
    .use(metricsPlugin(services.metrics, { token: services.config.security.metricsToken }))
    .use(
      rateLimitPlugin({
        limiter: rateLimiterFor(services, { log: (l) => createLogger(services.config.logLevel).warn(l) }),
        limits: security.rateLimit,
        trustProxy: security.trustProxy,
        resolveIdentity: opts.resolveIdentity ?? rateLimitIdentity(services.auth),
      }),
    )
    // Every route below has a rule in api/auth/access-policy.ts; the caller is resolved before validation.
    .use(authPlugin(services.auth, security.trustProxy))
    // /swagger only where enabled (SWAGGER_ENABLED; off by default with NODE_ENV=production): 404 otherwise.
    .use(security.swaggerEnabled ? apiDocs() : new Elysia({ name: "api-docs-off" }))
    .get("/", () => ({ name: "customer-service-ai", ...(security.swaggerEnabled ? { docs: "/swagger" } : {}), health: "/v1/health" }))
    .use(healthModule(services))
    .use(authModule(services))
    .use(accountsModule(services))
    .use(documentsModule(services, opts))
    .use(searchModule(services))
    .use(conversationsModule(services))
    .use(feedbackModule(services))
    .use(graphModule(services))
    .use(chatCompletionsModule(services))
    .use(wsModule(services))
    .use(adminPromptModule(services))
    .use(guardModule(services))
    .use(intentsModule(services))
    .use(routeModule(services))
    .use(ticketsModule(services))
    .use(webhooksModule(services));
  documentRoutes(app.routes as unknown as Parameters<typeof documentRoutes>[0]);
  return app;
}

/** The docs page and its assets from the swagger-ui-dist package; the swagger plugin generates /swagger/json. */
function apiDocs() {
  return new Elysia({ name: "api-docs" })
    .use(docsPage({ path: "/swagger", title: "Customer-service AI API" }))
    .use(
      swagger({
        path: "/swagger",
        documentation: {
          info: { title: "Customer-service AI API", version: "1.0.0", description: "Knowledge base ingestion, hybrid retrieval and answers with citations." },
          paths: { "/v1/ws": WS_PATH },
          components: OPENAPI_COMPONENTS,
        },
      }),
    );
}

export type App = ReturnType<typeof createApp>;
