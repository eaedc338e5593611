/** GET/PUT /v1/admin/prompt over HTTP (app.handle) against real stores: PGlite, and PostgreSQL when TEST_DATABASE_URL is set. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { SYSTEM_PROMPT_KEY } from "../../api/modules/admin-prompt/service";
import { DEFAULT_SYSTEM_PROMPT } from "../../api/pipeline/prompt-template";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";

for (const kind of DB_KINDS) {
  describe(`admin prompt on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof createApp>;
    const call = (method: string, body?: unknown) =>
      app.handle(
        new Request("http://localhost/v1/admin/prompt", {
          method,
          headers: body === undefined ? {} : { "content-type": "application/json" },
          body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        }),
      );

    beforeAll(async () => {
      t = await testServices(kind);
      app = authedApp(t.services);
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    test("reads the default, then each change increments the version and is stored in kb_state", async () => {
      const first = await (await call("GET")).json();
      expect(first).toMatchObject({ text: DEFAULT_SYSTEM_PROMPT, version: 0, isDefault: true, templateId: "answer-v2", tenantId: t.config.defaultTenant });

      const put1 = await call("PUT", { text: "Answer politely, from the passages only, citing [n]." });
      expect(put1.status).toBe(200);
      expect(await put1.json()).toMatchObject({ version: 1, isDefault: false });
      const put2 = await call("PUT", { text: "Answer briefly.", expectedVersion: 1 });
      expect((await put2.json()).version).toBe(2);

      expect(await (await call("GET")).json()).toMatchObject({ text: "Answer briefly.", version: 2 });
      expect(await t.services.stores.kbState.get(t.config.defaultTenant, SYSTEM_PROMPT_KEY)).toMatchObject({ text: "Answer briefly.", version: 2 });
    });

    test("a stale expectedVersion is a 409", async () => {
      const res = await call("PUT", { text: "Something else.", expectedVersion: 0 });
      expect(res.status).toBe(409);
      expect((await res.json()).error.code).toBe("PROMPT_VERSION_CONFLICT");
    });

    test("empty or too long text is a 422 with a clear code", async () => {
      const empty = await call("PUT", { text: "   \n " });
      expect(empty.status).toBe(422);
      expect((await empty.json()).error.code).toBe("PROMPT_EMPTY");
      const long = await call("PUT", { text: "x".repeat(8001) });
      expect(long.status).toBe(422);
      expect((await long.json()).error).toMatchObject({ code: "PROMPT_TOO_LONG", details: { maxChars: 8000 } });
    });

    test("a missing or mistyped field is a 422, malformed JSON a 400", async () => {
      expect((await call("PUT", {})).status).toBe(422);
      expect((await call("PUT", { text: 5 })).status).toBe(422);
      expect((await call("PUT", { text: "ok", expectedVersion: -1 })).status).toBe(422);
      expect((await call("PUT", "{not json")).status).toBe(400);
    });
  });
}
