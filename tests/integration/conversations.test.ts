/**
 * Conversations over HTTP (app.handle) against real stores: PGlite always, PostgreSQL when TEST_DATABASE_URL
 * is set. Answers come from the whole pipeline (understand, hybrid retrieval, MMR, budget, extractive generator,
 * persist) over a small knowledge base ingested for the suite.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";
import { ingestKb } from "./conversations-kb";

for (const kind of DB_KINDS) {
  describe(`conversations on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof createApp>;
    let docs: Map<string, string>;
    const call = (method: string, path: string, body?: unknown) =>
      app.handle(
        new Request(`http://local${path}`, {
          method,
          headers: body === undefined ? {} : { "content-type": "application/json" },
          body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        }),
      );
    const json = async (res: Response) => (await res.json()) as Record<string, any>;
    const newConversation = async (body: unknown = {}) => json(await call("POST", "/v1/conversations", body));
    const ask = async (id: string, content: string) => call("POST", `/v1/conversations/${id}/messages`, { content });
    const expectError = async (res: Response, status: number, code?: string) => {
      expect(res.status).toBe(status);
      const body = await json(res);
      expect(typeof body.error.message).toBe("string");
      if (code) expect(body.error.code).toBe(code);
    };

    beforeAll(async () => {
      t = await testServices(kind, { MAX_MESSAGE_CHARS: "200", EXTRACTIVE_DELTA_DELAY_MS: "5" });
      app = authedApp(t.services);
      docs = await ingestKb(t);
    }, 60_000);
    afterAll(async () => {
      await t?.cleanup();
    });

    test("create, list (paged), get and delete", async () => {
      const created = await call("POST", "/v1/conversations", { sourceType: "web", sourceId: "visitor-1", metadata: { locale: "en" } });
      expect(created.status).toBe(201);
      const a = await json(created);
      expect(a.id).toMatch(/^conv_/);
      expect(a).toMatchObject({ sourceType: "web", sourceId: "visitor-1", metadata: { locale: "en" }, status: "open" });
      const b = await newConversation();
      const c = await json(await call("POST", "/v1/conversations")); // no body at all
      expect(c.id).toMatch(/^conv_/);
      const page = await json(await call("GET", "/v1/conversations?limit=2&offset=0"));
      expect(page.total).toBeGreaterThanOrEqual(3);
      expect(page.items).toHaveLength(2);
      expect(page).toMatchObject({ limit: 2, offset: 0 });
      const next = await json(await call("GET", "/v1/conversations?limit=2&offset=2"));
      const seen = [...page.items, ...next.items].map((x: { id: string }) => x.id);
      expect(new Set(seen).size).toBe(seen.length);
      const bySource = await json(await call("GET", "/v1/conversations?sourceType=web&sourceId=visitor-1"));
      expect(bySource.items.map((x: { id: string }) => x.id)).toEqual([a.id]);
      const one = await json(await call("GET", `/v1/conversations/${b.id}`));
      expect(one.id).toBe(b.id);
      expect(one.messages).toEqual([]);
      expect((await call("DELETE", `/v1/conversations/${b.id}`)).status).toBe(200);
      await expectError(await call("GET", `/v1/conversations/${b.id}`), 404, "CONVERSATION_NOT_FOUND");
    });

    test("a message gets a grounded, cited answer that is persisted", async () => {
      const conv = await newConversation();
      const res = await ask(conv.id, "How long do I have to return a laptop?");
      expect(res.status).toBe(200);
      const a = await json(res);
      expect(a.messageId).toMatch(/^msg_/);
      expect(a.decision).toBe("PASS");
      expect(a.status).toBe("complete");
      expect(a.answer).toContain("15 days");
      expect(a.answer).toMatch(/\[1\]/);
      expect(a.confidence).toBeGreaterThan(0.3);
      expect(a.citations.length).toBeGreaterThan(0);
      const c = a.citations[0];
      expect(c).toMatchObject({ n: expect.any(Number), documentId: docs.get("Return policy"), title: "Return policy", page: null });
      expect(typeof c.snippet).toBe("string");
      for (const stage of ["understand", "retrieve", "rerank", "assemble", "generate", "total"]) expect(a.timings[stage]).toBeGreaterThanOrEqual(0);
      const stored = await json(await call("GET", `/v1/conversations/${conv.id}`));
      expect(stored.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant"]);
      const [user, assistant] = stored.messages;
      expect(user.content).toBe("How long do I have to return a laptop?");
      expect(assistant).toMatchObject({ id: a.messageId, content: a.answer, status: "complete", decision: "PASS", feedback: { up: 0, down: 0 } });
      expect(assistant.citations).toEqual(a.citations);
    });

    test("follow-up questions use the conversation's previous question", async () => {
      const conv = await newConversation();
      await ask(conv.id, "How long do I have to return a laptop?");
      const follow = await json(await ask(conv.id, "what about headphones?"));
      expect(follow.rewritten).toBe(true);
      expect(follow.question).toMatch(/return/i);
      expect(follow.question).toMatch(/headphones/i);
      expect(follow.decision).toBe("PASS");
      expect(follow.answer).toContain("30 days");
      expect(follow.citations[0].documentId).toBe(docs.get("Return policy"));
      // The standalone form is stored with the user message, so a further follow-up builds on it.
      const stored = await json(await call("GET", `/v1/conversations/${conv.id}`));
      expect(stored.messages[2].metadata.standalone).toBe(follow.question);
      const another = await json(await ask(conv.id, "Do you ship to Canada?"));
      expect(another.rewritten).toBe(false);
      expect(another.citations[0].documentId).toBe(docs.get("Shipping policy"));
    });

    test("an off-topic question is declined (ESCALATE) without citations", async () => {
      const conv = await newConversation();
      const a = await json(await ask(conv.id, "Who won the football world cup in 2022?"));
      expect(a.decision).toBe("ESCALATE");
      expect(a.citations).toEqual([]);
      expect(a.confidence).toBeLessThanOrEqual(0.2);
      expect(a.answer).toMatch(/knowledge base/);
      expect(a.answer).not.toMatch(/ticket|human/i); // nothing the product cannot do yet is promised
    });

    test("order numbers, SKUs and emails are extracted as slots; the email is redacted wherever it would be stored or shown", async () => {
      const conv = await newConversation();
      const res = await call("POST", `/v1/conversations/${conv.id}/messages/stream`, { content: "Where is order VM-100234 for jane@example.com with SKU VM-HP-4101?" });
      const text = await res.text();
      const meta = JSON.parse(/event: meta\ndata: (.*)\n/.exec(text)![1]!);
      expect(meta.slots).toEqual({ orderNumbers: ["VM-100234"], skus: ["VM-HP-4101"], emails: ["[EMAIL]"], dates: [] });
      expect(text).not.toContain("jane@example.com");
      const stored = await json(await call("GET", `/v1/conversations/${conv.id}`));
      expect(stored.messages[0].content).toBe("Where is order VM-100234 for [EMAIL] with SKU VM-HP-4101?");
      expect(JSON.stringify(stored)).not.toContain("jane@example.com");
      expect(stored.messages[0].metadata.guard.violations).toContainEqual({ rail: "pii", rule: "email", span: [29, 45], score: 1 });
    });

    test("feedback is stored and counted", async () => {
      const conv = await newConversation();
      const a = await json(await ask(conv.id, "Is water damage covered by the warranty?"));
      const up = await call("POST", `/v1/messages/${a.messageId}/feedback`, { rating: "up" });
      expect(up.status).toBe(201);
      expect((await json(up)).counts).toEqual({ up: 1, down: 0 });
      await call("POST", `/v1/messages/${a.messageId}/feedback`, { rating: "up" });
      const down = await json(await call("POST", `/v1/messages/${a.messageId}/feedback`, { rating: "down", comment: "  too short " }));
      expect(down).toMatchObject({ rating: "down", comment: "too short", messageId: a.messageId, counts: { up: 2, down: 1 } });
      const list = await json(await call("GET", `/v1/messages/${a.messageId}/feedback`));
      expect(list.counts).toEqual({ up: 2, down: 1 });
      expect(list.items).toHaveLength(3);
      const stored = await json(await call("GET", `/v1/conversations/${conv.id}`));
      expect(stored.messages[1].feedback).toEqual({ up: 2, down: 1 });
      await expectError(await call("POST", `/v1/messages/${stored.messages[0].id}/feedback`, { rating: "up" }), 422, "FEEDBACK_TARGET_INVALID");
      await expectError(await call("POST", "/v1/messages/msg_nope/feedback", { rating: "up" }), 404, "MESSAGE_NOT_FOUND");
      await expectError(await call("GET", "/v1/messages/msg_nope/feedback"), 404, "MESSAGE_NOT_FOUND");
      await expectError(await call("POST", `/v1/messages/${a.messageId}/feedback`, { rating: "meh" }), 422);
      await expectError(await call("POST", `/v1/messages/${a.messageId}/feedback`, { rating: "down", comment: "x".repeat(2001) }), 413, "COMMENT_TOO_LARGE");
      // Deleting the conversation deletes its feedback too.
      await call("DELETE", `/v1/conversations/${conv.id}`);
      await expectError(await call("GET", `/v1/messages/${a.messageId}/feedback`), 404);
    });

    test("two concurrent messages on one conversation: the second gets 409, turns never interleave", async () => {
      const conv = await newConversation();
      const [r1, r2] = await Promise.all([ask(conv.id, "How long do I have to return a laptop?"), ask(conv.id, "Do you ship to Canada?")]);
      const statuses = [r1.status, r2.status].sort();
      expect(statuses).toEqual([200, 409]);
      const busy = r1.status === 409 ? r1 : r2;
      expect(busy.headers.get("retry-after")).toBe("1");
      expect((await json(busy)).error.code).toBe("CONVERSATION_BUSY");
      // A stream holds the conversation too.
      const streaming = await call("POST", `/v1/conversations/${conv.id}/messages/stream`, { content: "Is water damage covered by the warranty?" });
      expect(streaming.status).toBe(200);
      await expectError(await ask(conv.id, "Do you ship to Canada?"), 409, "CONVERSATION_BUSY");
      await streaming.text(); // the answer finishes: the conversation is free again
      expect((await ask(conv.id, "Do you ship to Canada?")).status).toBe(200);
      const stored = await json(await call("GET", `/v1/conversations/${conv.id}`));
      expect(stored.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant"]);
      expect(stored.messages.every((m: { status: string }) => m.status === "complete")).toBe(true);
    });

    test("the answer lease expires when its replica dies; the abandoned answer is marked failed", async () => {
      const repo = t.services.conversations;
      const conv = await newConversation();
      const tenant = t.config.defaultTenant;
      await repo.insertMessages([{ id: "msg_dead", tenantId: tenant, conversationId: conv.id, role: "assistant", content: "", status: "streaming", createdAt: new Date() }]);
      expect(await repo.acquireLease(tenant, conv.id, "msg_dead", 60_000)).toBe("acquired");
      expect(await repo.acquireLease(tenant, conv.id, "msg_other", 60_000)).toBe("busy");
      expect(await repo.leaseHolder(tenant, conv.id)).toBe("msg_dead");
      expect(await repo.renewLease(tenant, conv.id, "msg_dead", 1)).toBe(true); // expires in 1 ms
      await Bun.sleep(20);
      expect(await repo.leaseHolder(tenant, conv.id)).toBeNull();
      expect(await repo.acquireLease(tenant, conv.id, "msg_next", 60_000)).toBe("acquired");
      expect(await repo.renewLease(tenant, conv.id, "msg_dead", 60_000)).toBe(false);
      const dead = await repo.getMessage(tenant, "msg_dead");
      expect(dead?.status).toBe("failed");
      expect((dead?.metadata as { error: { code: string } }).error.code).toBe("ANSWER_ABANDONED");
      await repo.releaseLease(tenant, conv.id, "msg_next");
      expect(await repo.acquireLease(tenant, "conv_missing", "m", 1000)).toBe("missing");
    });

    describe("bad input", () => {
      test("unknown conversations are 404", async () => {
        await expectError(await ask("conv_nope", "hello there"), 404, "CONVERSATION_NOT_FOUND");
        await expectError(await call("POST", "/v1/conversations/conv_nope/messages/stream", { content: "hello" }), 404, "CONVERSATION_NOT_FOUND");
        await expectError(await call("GET", "/v1/conversations/conv_nope"), 404, "CONVERSATION_NOT_FOUND");
        await expectError(await call("DELETE", "/v1/conversations/conv_nope"), 404, "CONVERSATION_NOT_FOUND");
      });
      test("empty messages are 422, oversized ones 413, and nothing is stored", async () => {
        const conv = await newConversation();
        await expectError(await ask(conv.id, ""), 422, "MESSAGE_EMPTY");
        await expectError(await ask(conv.id, "   \n\t "), 422, "MESSAGE_EMPTY");
        await expectError(await call("POST", `/v1/conversations/${conv.id}/messages/stream`, { content: " " }), 422, "MESSAGE_EMPTY");
        await expectError(await ask(conv.id, "x".repeat(201)), 413, "MESSAGE_TOO_LARGE");
        await expectError(await call("POST", `/v1/conversations/${conv.id}/messages/stream`, { content: "y".repeat(5000) }), 413, "MESSAGE_TOO_LARGE");
        await expectError(await call("POST", `/v1/conversations/${conv.id}/messages`, {}), 422);
        await expectError(await call("POST", `/v1/conversations/${conv.id}/messages`, { content: 42 }), 422);
        await expectError(await call("POST", `/v1/conversations/${conv.id}/messages`, '{"content": '), 400);
        expect((await json(await call("GET", `/v1/conversations/${conv.id}`))).messages).toEqual([]);
        // The conversation is not left locked by a refused message.
        expect((await ask(conv.id, "Do you ship to Canada?")).status).toBe(200);
      });
      test("bad conversation fields and paging are refused", async () => {
        await expectError(await call("POST", "/v1/conversations", { metadata: { blob: "z".repeat(20_000) } }), 413, "METADATA_TOO_LARGE");
        await expectError(await call("POST", "/v1/conversations", { sourceType: "" }), 422);
        await expectError(await call("POST", "/v1/conversations", { metadata: "not an object" }), 422, "INVALID_METADATA");
        await expectError(await call("POST", "/v1/conversations", { metadata: [1, 2] }), 422, "INVALID_METADATA");
        await expectError(await call("GET", "/v1/conversations?limit=0"), 422);
        await expectError(await call("GET", "/v1/conversations?offset=-1"), 422);
      });
    });
  });
}
