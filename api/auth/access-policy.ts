/**
 * Who may call which route: one table, keyed by "METHOD /path" as the router names the route. A route missing
 * from the table is refused to everyone (403 ACCESS_RULE_MISSING), and the authorization matrix test
 * (tests/integration/authorization-matrix.test.ts) walks the app's route table and fails on any route without a
 * rule, so a route added later cannot be open by accident.
 *
 * Rules: "public" (anyone, a credential is ignored if bad), or the least role: customer < agent < admin.
 * Ownership (a customer sees only the conversations it opened) and tenancy (every query carries the caller's
 * tenant) are enforced by the services; this table decides only whether the role may try.
 */
import type { Role } from "./principal";

export type AccessRule = "public" | Role;

export const ACCESS_POLICY: Record<string, AccessRule> = {
  // Service and docs
  "GET /": "public",
  "GET /v1/health": "public",
  "GET /metrics": "public",
  "GET /swagger": "public",
  "GET /swagger/json": "public",
  // Sign-in
  "POST /v1/auth/login": "public",
  "POST /v1/auth/refresh": "public",
  "POST /v1/auth/logout": "public",
  "POST /v1/auth/widget": "public",
  "GET /v1/auth/me": "customer",
  // Knowledge base: agents read it, admins change it
  "POST /v1/documents": "admin",
  "POST /v1/documents/crawl": "admin",
  "GET /v1/documents/crawl/:id": "admin",
  "GET /v1/ingest/jobs/:id": "admin",
  "GET /v1/documents": "agent",
  "GET /v1/documents/:id": "agent",
  "DELETE /v1/documents/:id": "admin",
  "POST /v1/search": "agent",
  // Guardrails: agents may check a text (debugging view); admins configure the rails
  "POST /v1/guard/check": "agent",
  // The graph shows names, summaries and chunk text of the tenant's documents: whoever may read documents (agents).
  "GET /v1/graph/entities": "agent",
  "GET /v1/graph/entities/:id": "agent",
  "GET /v1/graph/communities": "agent",
  "POST /v1/route": "agent",
  // Conversations: customers their own, agents and admins the tenant's
  "POST /v1/conversations": "customer",
  "GET /v1/conversations": "customer",
  "GET /v1/conversations/:id": "customer",
  "DELETE /v1/conversations/:id": "customer",
  "POST /v1/conversations/:id/messages": "customer",
  "POST /v1/conversations/:id/messages/stream": "customer",
  "GET /v1/conversations/:id/messages/:messageId/stream": "customer",
  "WS /v1/ws": "customer",
  "POST /v1/messages/:id/feedback": "customer",
  "GET /v1/messages/:id/feedback": "agent",
  // Tickets: agents and admins manage them; a customer reads those of its own conversations (without internal notes)
  "POST /v1/tickets": "agent",
  "GET /v1/tickets": "customer",
  "GET /v1/tickets/:id": "customer",
  "PATCH /v1/tickets/:id": "agent",
  "POST /v1/tickets/:id/notes": "agent",
  "POST /v1/tickets/:id/approve-answer": "agent",
  // OpenAI-compatible facade (stateless: nothing stored, nothing of others readable)
  "POST /v1/chat/completions": "customer",
  "GET /v1/models": "customer",
  "GET /v1/models/:id": "customer",
  // Administration of the caller's tenant
  "GET /v1/admin/prompt": "admin",
  "PUT /v1/admin/prompt": "admin",
  "GET /v1/admin/users": "admin",
  "POST /v1/admin/users": "admin",
  "PATCH /v1/admin/users/:id": "admin",
  "DELETE /v1/admin/users/:id": "admin",
  "GET /v1/admin/tokens": "admin",
  "POST /v1/admin/tokens": "admin",
  "DELETE /v1/admin/tokens/:id": "admin",
  "GET /v1/admin/audit": "admin",
  "GET /v1/admin/guardrails": "admin",
  "PUT /v1/admin/guardrails": "admin",
  "DELETE /v1/admin/guardrails": "admin",
  "GET /v1/admin/intents": "admin",
  "POST /v1/admin/intents": "admin",
  "DELETE /v1/admin/intents": "admin",
  "GET /v1/admin/intents/:name": "admin",
  "PATCH /v1/admin/intents/:name": "admin",
  "DELETE /v1/admin/intents/:name": "admin",
  "GET /v1/admin/webhooks": "admin",
  "POST /v1/admin/webhooks": "admin",
  "GET /v1/admin/webhooks/:id": "admin",
  "PATCH /v1/admin/webhooks/:id": "admin",
  "DELETE /v1/admin/webhooks/:id": "admin",
  "GET /v1/admin/webhooks/:id/deliveries": "admin",
  // Tenants: admins of the default (operator) tenant only; the service checks the tenant
  "GET /v1/admin/tenants": "admin",
  "POST /v1/admin/tenants": "admin",
};

/** Routes that accept the credential as `?access_token=` too: a browser cannot set headers on a WebSocket or an EventSource. */
export const QUERY_TOKEN_ROUTES = new Set(["WS /v1/ws", "GET /v1/conversations/:id/messages/:messageId/stream"]);

export const ruleKey = (method: string, route: string) => `${method.toUpperCase()} ${route}`;
