/**
 * The learning loop end to end: an agent approves a solved ticket's question and answer; it becomes an FAQ
 * document (source ticket:<number>) through the ingestion job runner, found by search and cited in a chat answer
 * like any other document; approving again replaces that document's content (same id, next version).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { DB_KINDS, testServices, type TestServices } from "../helpers/services";
import { ingestKb } from "./conversations-kb";

type Json = Record<string, any>;

for (const kind of DB_KINDS) {
  describe(`ticket learning loop on ${kind}`, () => {
    let t: TestServices;
    let app: ReturnType<typeof createApp>;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await app.handle(
        new Request(`http://local${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }),
      );
      return { status: res.status, body: (await res.json()) as Json };
    };
    let ticket: Json;

    beforeAll(async () => {
      t = await testServices(kind);
      app = authedApp(t.services);
      await ingestKb(t);
      const r = await call("POST", "/v1/tickets", { subject: "Gift wrapping", summary: "Customer asked whether orders can be gift wrapped.", category: "product_question" });
      expect(r.status).toBe(201);
      ticket = r.body;
    }, 60_000);
    afterAll(async () => {
      await t?.cleanup();
    });

    const qa = { question: "Can you gift wrap my order?", answer: "Yes. Gift wrapping costs $4 per item and is chosen at checkout under Delivery options." };

    test("an unsolved ticket's answer cannot be approved (409), and nothing is ingested", async () => {
      const before = (await call("GET", "/v1/documents")).body.total;
      const r = await call("POST", `/v1/tickets/${ticket.id}/approve-answer`, qa);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("TICKET_NOT_SOLVED");
      for (const bad of [{ question: "q" }, { ...qa, extra: 1 }, { question: "", answer: "a" }, { question: "q", answer: "   " }]) {
        expect((await call("POST", `/v1/tickets/${ticket.id}/approve-answer`, bad)).status).toBe(422);
      }
      expect((await call("GET", "/v1/documents")).body.total).toBe(before);
    });

    test("a solved ticket's answer becomes an FAQ document, searched and cited like any other", async () => {
      expect((await call("PATCH", `/v1/tickets/${ticket.id}`, { status: "solved" })).status).toBe(200);
      const r = await call("POST", `/v1/tickets/${ticket.id}/approve-answer`, qa);
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ status: "succeeded", source: `ticket:${ticket.number}` });
      const doc = (await call("GET", `/v1/documents/${r.body.documentId}`)).body;
      expect(doc).toMatchObject({ title: qa.question, docType: "faq", source: `ticket:${ticket.number}`, version: 1 });
      expect(doc.chunks.map((c: Json) => c.text).join(" ")).toContain("Gift wrapping costs $4 per item");
      const search = (await call("POST", "/v1/search", { query: "gift wrap my order", k: 3 })).body;
      expect(search.passages[0].documentId).toBe(r.body.documentId);
      const conv = (await call("POST", "/v1/conversations", {})).body;
      const answer = (await call("POST", `/v1/conversations/${conv.id}/messages`, { content: "Can you gift wrap my order?" })).body;
      expect(answer.decision).toBe("PASS");
      expect(answer.answer).toContain("$4");
      expect(answer.citations.map((c: Json) => c.documentId)).toContain(r.body.documentId);
      // The history and the audit log record the approval.
      const h = (await call("GET", `/v1/tickets/${ticket.id}`)).body.history;
      expect(h.at(-1)).toMatchObject({ kind: "answer_approved", data: { documentId: r.body.documentId } });
      const audit = (await call("GET", "/v1/admin/audit?action=ticket.approve_answer")).body.items;
      expect(audit[0]).toMatchObject({ target: ticket.id, details: { documentId: r.body.documentId } });
    });

    test("approving again replaces that document (same id, next version), not a duplicate", async () => {
      const total = (await call("GET", "/v1/documents")).body.total;
      const first = (await call("GET", `/v1/documents?q=${encodeURIComponent("gift wrap")}`)).body.items[0];
      const again = await call("POST", `/v1/tickets/${ticket.id}/approve-answer`, { ...qa, answer: "Yes. Gift wrapping is free on orders over $100 and otherwise costs $4 per item." });
      expect(again.status).toBe(201);
      expect(again.body.documentId).toBe(first.id);
      const doc = (await call("GET", `/v1/documents/${first.id}`)).body;
      expect(doc.version).toBe(2);
      expect(doc.chunks.map((c: Json) => c.text).join(" ")).toContain("free on orders over $100");
      expect((await call("GET", "/v1/documents")).body.total).toBe(total);
      const search = (await call("POST", "/v1/search", { query: "gift wrapping free over $100", k: 5 })).body;
      expect(search.passages.filter((p: Json) => p.documentId === first.id)).toHaveLength(1);
      expect(search.passages[0].text).toContain("free on orders over $100");
      // The same text again is unchanged: still that one document.
      const same = await call("POST", `/v1/tickets/${ticket.id}/approve-answer`, { ...qa, answer: "Yes. Gift wrapping is free on orders over $100 and otherwise costs $4 per item." });
      expect(same.body).toMatchObject({ documentId: first.id, status: "unchanged" });
    });
  });
}
