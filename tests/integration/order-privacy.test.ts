/**
 * Order data is personal: on the sample knowledge base, orders.csv is kept as records only (no chunk in any shared
 * index, no row in the document's stored text) and an order is shown only to a customer verified for it, by the
 * order's email (in the message, or as the signed-in account's email); otherwise the answer asks for proof and
 * says nothing about the order, the same for a real order number as for a made-up one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { adminToken } from "../helpers/authed-app";
import { jsonCalls, type Json } from "../helpers/http";
import { testServices, type TestServices } from "../helpers/services";

const EMAIL = "j.okafor@example.com";
const TRACKING = "1ZXYDL5X2849796784";
const PASSWORD = "customer password 1";

describe("order privacy on the sample knowledge base", () => {
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  let admin: string;
  const { call, json } = jsonCalls(() => app);
  const widget = async () => (await json(await call("POST", "/v1/auth/widget", null))).token as string;
  const ask = async (token: string, conv: string, content: string) => {
    const r = await call("POST", `/v1/conversations/${conv}/messages`, token, { content });
    expect(r.status).toBe(200);
    return json(r);
  };
  const newConv = async (token: string) => (await json(await call("POST", "/v1/conversations", token, {}))).id as string;

  beforeAll(async () => {
    t = await testServices("pglite", {}, { sampleKb: true });
    app = createApp(t.services);
    admin = await adminToken(t.services);
  }, 180_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  test("orders.csv is records only: no chunk, no row text; products.csv stays searchable", async () => {
    const docs = (await json(await call("GET", "/v1/documents?limit=100", admin))).items as Json[];
    const orders = docs.find((d) => /orders/i.test(d.title))!;
    expect(orders.chunkCount).toBe(0);
    expect(orders.recordCount).toBeGreaterThan(10);
    const full = await json(await call("GET", `/v1/documents/${orders.id}`, admin));
    expect(JSON.stringify(full)).not.toContain(EMAIL);
    expect(JSON.stringify(full)).not.toContain(TRACKING);
    for (const query of ["VM-100202", EMAIL, `tracking number ${TRACKING}`, "orders shipped with UPS delivered"]) {
      const hits = await json(await call("POST", "/v1/search", admin, { query, k: 20 }));
      const text = JSON.stringify(hits.passages);
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(TRACKING);
      expect(hits.passages.every((p: Json) => p.documentId !== orders.id)).toBe(true);
    }
    const productsDoc = docs.find((d) => /products/i.test(d.title))!;
    expect(productsDoc.chunkCount).toBeGreaterThan(0);
    const products = await json(await call("POST", "/v1/search", admin, { query: "VoltBook 14 price", k: 5, filters: { documentIds: [productsDoc.id] } }));
    expect(JSON.stringify(products.passages)).toContain("VoltBook 14");
  });

  test("a stranger asking for an order's tracking number gets a request for proof and nothing else", async () => {
    const w = await widget();
    const conv = await newConv(w);
    const a = await ask(w, conv, "Give me the tracking number for VM-100202");
    expect(a.answer).not.toContain(TRACKING);
    expect(a.answer).not.toContain("@");
    expect(a.answer).not.toMatch(/delivered|UPS/i);
    expect(a.answer).toMatch(/email address/i);
    expect(a.decision).toBe("ASK_USER");
    const stored = await json(await call("GET", `/v1/conversations/${conv}`, w));
    expect(JSON.stringify(stored)).not.toContain(TRACKING);
    // The same words for an order number that does not exist.
    const conv2 = await newConv(w);
    const b = await ask(w, conv2, "Give me the tracking number for VM-999999");
    expect(b.answer).toBe(a.answer);
  });

  test("over SSE: the streamed and the stored answer ask for proof and say nothing of the order; the right email then shows it", async () => {
    const w = await widget();
    const conv = await newConv(w);
    const stream = async (content: string) => {
      const r = await call("POST", `/v1/conversations/${conv}/messages/stream`, w, { content });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toContain("text/event-stream");
      const raw = await r.text();
      const data = (event: string) =>
        raw
          .split("\n\n")
          .filter((block) => block.split("\n").includes(`event: ${event}`))
          .map((block) => JSON.parse(block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")) as Json);
      const text = data("delta").map((d) => d.text).join("");
      return { raw, text, meta: data("meta")[0]!, done: data("done")[0]! };
    };
    const first = await stream("Give me the tracking number for VM-100202");
    for (const leak of [EMAIL, TRACKING, "UPS", "delivered", "2026-01-08"]) expect(first.raw).not.toContain(leak);
    expect(first.text).toMatch(/email address/i);
    expect(first.meta).toMatchObject({ route: "tool", intent: "order_status", generator: "tool:order-lookup" });
    expect(first.done).toMatchObject({ decision: "ASK_USER", answer: first.text });
    const second = await stream(`my email is ${EMAIL}`);
    expect(second.text).toContain(TRACKING);
    expect(second.text).not.toContain(EMAIL);
    expect(second.done.decision).toBe("PASS");
    const stored = (await json(await call("GET", `/v1/conversations/${conv}`, w))).messages as Json[];
    const answers = stored.filter((m) => m.role === "assistant").map((m) => m.content);
    expect(answers).toEqual([first.text, second.text]);
  });

  test("the right email after the request shows the order; a wrong one matches nothing, like a made-up order", async () => {
    const w = await widget();
    const conv = await newConv(w);
    await ask(w, conv, "Where is my order VM-100202?");
    const wrong = await ask(w, conv, "my email is someone.else@example.com");
    expect(wrong.answer).not.toContain(TRACKING);
    expect(wrong.decision).toBe("ASK_USER");
    const right = await ask(w, conv, `sorry, it is ${EMAIL}`);
    expect(right.answer).toContain(TRACKING);
    expect(right.answer).toContain("UPS");
    expect(right.answer).not.toContain(EMAIL);
    expect(right.decision).toBe("PASS");
    // Order number and proof in one message; a made-up order with a real email answers like a wrong email.
    const conv2 = await newConv(w);
    const oneShot = await ask(w, conv2, `Status of VM-100202 please, email ${EMAIL}`);
    expect(oneShot.answer).toContain(TRACKING);
    const madeUp = await ask(w, await newConv(w), `Status of VM-999999 please, email ${EMAIL}`);
    expect(madeUp.answer).toBe(wrong.answer);
  });

  test("a signed-in customer whose account email is the order's sees it without giving proof; another customer does not", async () => {
    await call("POST", "/v1/admin/users", admin, { username: "okafor", password: PASSWORD, role: "customer", email: EMAIL });
    await call("POST", "/v1/admin/users", admin, { username: "other", password: PASSWORD, role: "customer", email: "other@example.com" });
    const login = async (username: string) => (await json(await call("POST", "/v1/auth/login", null, { username, password: PASSWORD }))).token as string;
    const owner = await login("okafor");
    const mine = await ask(owner, await newConv(owner), "Where is order VM-100202?");
    expect(mine.answer).toContain(TRACKING);
    const other = await login("other");
    const theirs = await ask(other, await newConv(other), "Where is order VM-100202?");
    expect(theirs.answer).not.toContain(TRACKING);
  });

  test("a table ingested before personal tables existed is re-ingested from its records at start, records only", async () => {
    const { unindexPersonalTables } = await import("../../api/startup");
    const docs = (await json(await call("GET", "/v1/documents?limit=100", admin))).items as Json[];
    const orders = docs.find((d) => /orders/i.test(d.title))!;
    // Make it look like a document of the old loader: not marked personal, with chunks.
    await t.services.stores.database.db.execute(
      `update documents set metadata = metadata - 'personal' - 'personalColumns', chunk_count = 62 where id = '${orders.id}'`,
    );
    const lines: string[] = [];
    expect(await unindexPersonalTables(t.services.stores, t.services.pipeline, (l) => lines.push(l))).toBe(1);
    expect(lines[0]).toContain("taken out of the shared indexes");
    const after = await json(await call("GET", `/v1/documents/${orders.id}`, admin));
    expect(after.version).toBe(orders.version + 1);
    expect(after.chunkCount).toBe(0);
    expect(after.recordCount).toBe(orders.recordCount);
    expect(after.metadata.personal).toBe(true);
    // The records still answer a verified lookup; nothing else is touched on a second start.
    const w = await widget();
    expect((await ask(w, await newConv(w), `Status of VM-100202 please, email ${EMAIL}`)).answer).toContain(TRACKING);
    expect(await unindexPersonalTables(t.services.stores, t.services.pipeline, () => {})).toBe(0);
  });

  test("product questions still answer from the knowledge base", async () => {
    const w = await widget();
    const a = await ask(w, await newConv(w), "What is the return window for the VoltBook 14?");
    expect(a.citations.length).toBeGreaterThan(0);
    expect(a.answer).toMatch(/15/);
  });
});
