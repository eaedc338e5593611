/**
 * The API's edge, on every database kind: NUL characters refused on every route of the route table (taken from
 * the app, so a new route is covered), stored data unchanged by bad input, database errors without SQL text,
 * JSON/content-type/size rules, multipart with two files, wrong-typed search filters, binary WebSocket frames,
 * and the message counts of the conversation list.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp, serveOptions } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";
import { ingestKb } from "./conversations-kb";

type Json = Record<string, any>;
const NUL = "a\u0000b";

for (const kind of DB_KINDS) {
  describe(`API edge on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof createApp>;
    let conversationId: string;
    let messageId: string;
    let documentId: string;
    let jobId: string;
    const tenant = () => t.config.defaultTenant;
    const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      app.handle(
        new Request(`http://local${path}`, {
          method,
          headers: body === undefined || body instanceof FormData ? headers : { "content-type": "application/json", ...headers },
          body: body === undefined ? undefined : body instanceof FormData || typeof body === "string" ? body : JSON.stringify(body),
        }),
      );
    const json = async (res: Response) => (await res.json()) as Json;

    /** Everything the probes could change. */
    const snapshot = async () => {
      const docs = await t.services.stores.documents.list({ tenantId: tenant(), limit: 200, offset: 0 });
      const convs = await t.services.conversations.list({ tenantId: tenant(), limit: 200, offset: 0 });
      const msgs = await t.services.conversations.messages(tenant(), conversationId);
      const fb = await t.services.conversations.feedbackOf(tenant(), messageId);
      const prompt = await json(await send("GET", "/v1/admin/prompt"));
      return JSON.stringify({
        docs: docs.items.map((d) => [d.id, d.version, d.title, d.tags]),
        convs: convs.items.map((c) => [c.id, c.metadata, c.messageCount]),
        msgs: msgs.map((m) => [m.id, m.content]),
        fb: fb.length,
        prompt: [prompt.version, prompt.text],
        chunks: await t.services.stores.documents.countChunks(tenant()),
      });
    };

    beforeAll(async () => {
      t = await testServices(kind, { MAX_UPLOAD_MB: "1" });
      app = authedApp(t.services);
      const docs = await ingestKb(t);
      documentId = docs.get("Return policy")!;
      const conv = await json(await send("POST", "/v1/conversations", { sourceType: "web", metadata: { plan: "gold" } }));
      conversationId = conv.id;
      const answer = await json(await send("POST", `/v1/conversations/${conversationId}/messages`, { content: "Do you ship to Canada?" }));
      messageId = answer.messageId;
      expect(messageId).toStartWith("msg_");
      const job = await json(await send("POST", "/v1/documents?wait=true", { title: "Holiday hours", text: "Support is closed on December 25." }));
      jobId = job.id;
    }, 120_000);
    afterAll(async () => {
      await t?.cleanup();
    });

    describe("a NUL character is refused everywhere with 422 INVALID_CHARACTER naming the field", () => {
      const expectNul = async (res: Response, field: string | RegExp, what: string) => {
        const body = await res.text();
        expect({ what, status: res.status }).toEqual({ what, status: 422 });
        const err = (JSON.parse(body) as Json).error;
        expect(err.code).toBe("INVALID_CHARACTER");
        if (typeof field === "string") expect(err.details.field).toBe(field);
        else expect(err.details.field).toMatch(field);
        expect(err.message).toContain(err.details.field);
      };

      /** Realistic bodies per route; each string in them is replaced, one at a time, by one with a NUL. */
      const SAMPLES = (): Record<string, Json[]> => ({
        "POST /v1/documents": [{ title: "T", text: "Body text", tags: ["x"], docType: "policy", source: "s", metadata: { note: "n" } }],
        "POST /v1/search": [{ query: "return a laptop", filters: { tags: ["returns"], docTypes: ["policy"], sources: ["kb/x"], documentIds: ["d"] } }],
        "POST /v1/conversations": [{ sourceType: "web", sourceId: "abc", metadata: { note: "hello", nested: { list: ["v"] } } }],
        "POST /v1/conversations/:id/messages": [{ content: "Do you ship to Canada?" }],
        "POST /v1/conversations/:id/messages/stream": [{ content: "Do you ship to Canada?" }],
        "POST /v1/messages/:id/feedback": [{ rating: "up", comment: "great answer" }],
        "POST /v1/chat/completions": [{ model: "kb", messages: [{ role: "user", content: "Do you ship to Canada?" }] }],
        "PUT /v1/admin/prompt": [{ text: "You answer from the passages only." }],
      });
      const strings = (v: unknown, path: (string | number)[] = []): (string | number)[][] =>
        typeof v === "string" ? [path] : v && typeof v === "object" ? Object.entries(v).flatMap(([k, x]) => strings(x, [...path, Array.isArray(v) ? Number(k) : k])) : [];
      const withNul = (v: Json, path: (string | number)[]): Json => {
        const copy = structuredClone(v);
        let at: any = copy;
        for (const p of path.slice(0, -1)) at = at[p];
        at[path[path.length - 1]!] = `x${NUL}`;
        return copy;
      };
      const idFor = (path: string, param: string) =>
        param === "messageId" || path.startsWith("/v1/messages/") ? messageId : path.startsWith("/v1/conversations") ? conversationId : path.startsWith("/v1/ingest") ? jobId : documentId;
      const fill = (path: string, nulParam?: string) =>
        path.replace(/:(\w+)/g, (_m, p: string) => (p === nulParam ? encodeURIComponent(NUL) : idFor(path, p)));

      test("on every route of the route table: query string, each path parameter, each body field", async () => {
        const before = await snapshot();
        const routes = app.routes.filter((r) => r.method !== "WS" && r.method !== "ws");
        expect(routes.length).toBeGreaterThan(15);
        const samples = SAMPLES();
        for (const r of routes) {
          const key = `${r.method} ${r.path}`;
          await expectNul(await send(r.method, `${fill(r.path)}?probe=${encodeURIComponent(NUL)}`), "probe", `${key} query`);
          for (const [, p] of r.path.matchAll(/:(\w+)/g)) await expectNul(await send(r.method, fill(r.path, p)), p!, `${key} param ${p}`);
          if (r.method === "POST" || r.method === "PUT" || r.method === "PATCH") {
            await expectNul(await send(r.method, fill(r.path), { probe: NUL }), "probe", `${key} body`);
            for (const sample of samples[key] ?? []) {
              for (const path of strings(sample)) {
                await expectNul(await send(r.method, fill(r.path), withNul(sample, path)), path.join("."), `${key} body ${path.join(".")}`);
              }
            }
            // A NUL in a key, not only in a value.
            await expectNul(await send(r.method, fill(r.path), `{"meta":{"k${"\\u0000"}":1}}`), /^meta\.k/, `${key} body key`);
          }
        }
        expect(await snapshot()).toBe(before);
      }, 120_000);

      test("in multipart text fields of an upload (title, tags, docType, sourceId)", async () => {
        const before = await snapshot();
        for (const name of ["title", "tags", "docType", "sourceId", "source"]) {
          const form = new FormData();
          form.set("file", new File(["Stores open at nine."], "stores.md", { type: "text/markdown" }));
          form.set(name, `x${NUL}`);
          await expectNul(await send("POST", "/v1/documents?wait=true", form), name, `multipart ${name}`);
        }
        expect(await snapshot()).toBe(before);
      });

      test("in a WebSocket frame, and a binary frame is refused as such", async () => {
        const server = authedApp(t.services).listen({ port: 0, hostname: "127.0.0.1" });
        try {
          const ws = new WebSocket(`ws://127.0.0.1:${server.server!.port}/v1/ws`);
          const frames: Json[] = [];
          let wake = () => {};
          ws.onmessage = (m) => {
            const f = JSON.parse(String(m.data)) as Json;
            if (f.type !== "ping") frames.push(f);
            wake();
          };
          await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));
          const nextFrame = async () => {
            while (!frames.length) await new Promise<void>((r) => (wake = r));
            return frames.shift()!;
          };
          const before = await snapshot();
          ws.send(JSON.stringify({ type: "message", conversationId, content: `x${NUL}` }));
          expect((await nextFrame()).data).toMatchObject({ code: "INVALID_CHARACTER", status: 422 });
          ws.send(new Uint8Array([1, 2, 3]));
          const bin = await nextFrame();
          expect(bin.data.code).toBe("BINARY_FRAME_UNSUPPORTED");
          expect(bin.data.message).toContain("binary frames are not supported");
          expect(bin.data.message).not.toContain("undefined");
          ws.close();
          expect(await snapshot()).toBe(before);
        } finally {
          server.stop(true);
        }
      });
    });

    test("a database error reaches neither a job nor a response with its SQL text", async () => {
      // Straight to the job runner (the HTTP edge would refuse the NUL first): the database refuses the tag.
      const job = await t.services.jobs.submit({
        tenantId: tenant(),
        source: "db-error-probe",
        sourceType: "text",
        bytes: new TextEncoder().encode("Some text for a document."),
        filename: "probe.txt",
        title: "Probe",
        tags: [`t${NUL}`],
      });
      await t.services.jobs.wait(job.id);
      const res = await send("GET", `/v1/ingest/jobs/${job.id}`);
      const polled = await json(res);
      expect(polled.status).toBe("failed");
      expect(polled.error.code).toBe("INVALID_VALUE");
      const text = JSON.stringify(polled);
      for (const leak of [/insert into/i, /Failed query/i, /params:/i, /"documents"/i]) expect(text).not.toMatch(leak);
      expect((await t.services.stores.documents.list({ tenantId: tenant(), limit: 200, offset: 0, q: "Probe" })).total).toBe(0);
    });

    describe("bodies: JSON only, well-formed, not too large", () => {
      test("POST /v1/conversations: malformed JSON 400; XML, text/plain and forms 415; nothing is created", async () => {
        const before = await snapshot();
        const cases: [string, string, number, string][] = [
          ["{bad", "application/json", 400, "MALFORMED_JSON"],
          ["", "application/json", 400, "MALFORMED_JSON"],
          ["<conversation/>", "application/xml", 415, "UNSUPPORTED_MEDIA_TYPE"],
          ["hello", "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"],
          ["sourceType=web", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"],
        ];
        for (const [body, type, status, code] of cases) {
          const res = await send("POST", "/v1/conversations", body, { "content-type": type });
          expect({ type, body, status: res.status }).toEqual({ type, body, status });
          expect((await json(res)).error.code).toBe(code);
        }
        const form = new FormData();
        form.set("sourceType", "web");
        const res = await send("POST", "/v1/conversations", form);
        expect(res.status).toBe(415);
        expect(await snapshot()).toBe(before);
        // No body and no content type: the body is optional here.
        const empty = await send("POST", "/v1/conversations");
        expect(empty.status).toBe(201);
        await t.services.conversations.delete(tenant(), (await json(empty)).id);
      });

      test("other JSON routes refuse text/plain with 415", async () => {
        for (const [method, path] of [["POST", "/v1/search"], ["PUT", "/v1/admin/prompt"], ["POST", "/v1/chat/completions"], ["POST", `/v1/messages/${messageId}/feedback`]]) {
          const res = await send(method!, path!, '{"query":"x"}', { "content-type": "text/plain" });
          expect({ path, status: res.status }).toEqual({ path, status: 415 });
        }
      });

      test("two 'file' parts in one upload are 422; nothing is stored", async () => {
        const before = await snapshot();
        const form = new FormData();
        form.append("file", new File(["First file."], "a.md", { type: "text/markdown" }));
        form.append("file", new File(["Second file."], "b.md", { type: "text/markdown" }));
        const res = await send("POST", "/v1/documents?wait=true", form);
        expect(res.status).toBe(422);
        expect((await json(res)).error.code).toBe("MULTIPLE_FILES");
        expect(await snapshot()).toBe(before);
      });

      test("search filters of the wrong type are 422, not ignored", async () => {
        for (const filters of ["x", 1, ["policy"], { tags: "returns" }]) {
          const res = await send("POST", "/v1/search", { query: "return a laptop", filters });
          expect({ filters, status: res.status }).toEqual({ filters, status: 422 });
          expect((await json(res)).error.message).toStartWith("filters");
        }
        expect((await send("POST", "/v1/search", { query: "return a laptop", filters: { tags: ["none-such"] } })).status).toBe(200);
      });

      test("over real HTTP, an oversized body is 413 with the error JSON (declared length and chunked)", async () => {
        const server = authedApp(t.services).listen({ port: 0, hostname: "127.0.0.1", ...serveOptions(t.config) });
        try {
          const base = `http://127.0.0.1:${server.server!.port}`;
          const before = await snapshot();
          const big = JSON.stringify({ title: "Big", text: "x".repeat(3 * 1024 * 1024) });
          let res = await fetch(`${base}/v1/documents`, { method: "POST", headers: { "content-type": "application/json" }, body: big });
          expect(res.status).toBe(413);
          expect((await res.json()) as Json).toMatchObject({ error: { code: "BODY_TOO_LARGE" } });
          const chunks = [new TextEncoder().encode('{"content":"'), ...Array.from({ length: 24 }, () => new Uint8Array(128 * 1024).fill(120))];
          const stream = new ReadableStream({
            pull(c) {
              const next = chunks.shift();
              if (next) c.enqueue(next);
              else c.close();
            },
          });
          res = await fetch(`${base}/v1/conversations/${conversationId}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" } as RequestInit);
          expect(res.status).toBe(413);
          expect(((await res.json()) as Json).error.code).toBe("BODY_TOO_LARGE");
          expect(await snapshot()).toBe(before);
        } finally {
          server.stop(true);
        }
      });
    });

    test("GET /v1/conversations counts each conversation's messages", async () => {
      const other = await json(await send("POST", "/v1/conversations", {}));
      const list = await json(await send("GET", "/v1/conversations?limit=200"));
      const count = (id: string) => list.items.find((c: Json) => c.id === id)?.messageCount;
      const stored = await t.services.conversations.messages(tenant(), conversationId);
      expect(stored.length).toBe(2);
      expect(count(conversationId)).toBe(2);
      expect(count(other.id)).toBe(0);
      await t.services.conversations.delete(tenant(), other.id);
    });
  });
}
