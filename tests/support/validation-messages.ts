/**
 * Prints, as one JSON line, the status and error of a set of invalid requests against the app (PGlite in
 * memory). Run by tests/integration/validation-messages.test.ts with and without NODE_ENV=production, which
 * Elysia reads once at import time (so production mode needs its own process).
 */
import { authedApp } from "../helpers/authed-app";
import { testServices } from "../helpers/services";

export const CASES: [method: string, path: string, body?: unknown][] = [
  ["POST", "/v1/search", { query: "laptop", k: "many" }],
  ["POST", "/v1/search", { query: "laptop", k: 0 }],
  ["POST", "/v1/search", { query: "laptop", filters: { tags: "returns" } }],
  ["POST", "/v1/search", {}],
  ["POST", "/v1/search", { query: "laptop", fusion: "best" }],
  ["POST", "/v1/chat/completions", { messages: [{ role: "robot", content: "hi" }] }],
  ["GET", "/v1/conversations?limit=abc"],
  ["GET", "/v1/conversations?offset=-1"],
  ["POST", "/v1/messages/msg_x/feedback", { rating: "meh" }],
  ["PUT", "/v1/admin/prompt", { text: "x", expectedVersion: 1.5 }],
];

if (import.meta.main) {
  const t = await testServices("pglite");
  const app = authedApp(t.services);
  const out = [];
  for (const [method, path, body] of CASES) {
    const res = await app.handle(
      new Request(`http://local${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    out.push({ status: res.status, ...((await res.json()) as { error: object }).error });
  }
  await t.cleanup();
  console.log(JSON.stringify({ production: process.env.NODE_ENV === "production", results: out }));
  process.exit(0);
}
