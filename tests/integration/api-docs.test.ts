/**
 * The API docs work offline: /swagger and everything it loads come from this server (no CDN), and the OpenAPI
 * document describes the WebSocket route, the multipart upload body and each route's error responses.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { testServices, type TestServices } from "../helpers/services";

describe("API docs", () => {
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  const get = (path: string) => app.handle(new Request(`http://local${path}`));
  beforeAll(async () => {
    t = await testServices("pglite");
    app = authedApp(t.services);
  }, 60_000);
  afterAll(async () => t?.cleanup());

  test("the docs page loads only same-origin assets, and each of them is served", async () => {
    for (const path of ["/swagger", "/swagger/"]) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(refs.length).toBeGreaterThanOrEqual(3);
      for (const ref of refs) {
        expect(ref).toStartWith("/swagger/assets/"); // no scheme, no other host
        const res = await get(ref);
        expect(res.status).toBe(200);
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(ref.endsWith(".js") && !ref.endsWith("init.js") ? 100_000 : 10);
      }
      expect(html).not.toMatch(/https?:\/\//);
    }
    const init = await (await get("/swagger/assets/init.js")).text();
    expect(init).toContain('"/swagger/json"');
    expect((await get("/swagger/assets/../../package.json")).status).not.toBe(200);
    expect((await get("/swagger/assets/nothing.js")).status).toBe(404);
  });

  test("the OpenAPI document has the WebSocket route, the upload body and the error responses", async () => {
    const spec = (await (await get("/swagger/json")).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> }; responses: Record<string, unknown>; description?: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(spec.paths["/v1/ws"]?.get?.description).toContain('{type: "message", conversationId, content}');
    const upload = spec.paths["/v1/documents"]!.post!;
    expect(Object.keys(upload.requestBody!.content)).toEqual(["multipart/form-data", "application/json"]);
    expect(Object.keys(upload.requestBody!.content["multipart/form-data"]!.schema.properties!)).toEqual(["file", "title", "docType", "tags", "sourceId"]);
    expect(spec.components.schemas.Error).toBeDefined();
    for (const [path, ops] of Object.entries(spec.paths)) {
      if (path.startsWith("/swagger") || path === "/metrics" || path === "/v1/ws") continue;
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses)).toContain("422");
        expect(Object.keys(op.responses)).toContain("503");
        if (path.includes("{")) expect(Object.keys(op.responses)).toContain("404");
        if (method === "post") expect(Object.keys(op.responses)).toContain("413");
      }
    }
  });
});
