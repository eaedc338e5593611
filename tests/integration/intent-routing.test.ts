/**
 * Intent routing on the sample knowledge base with the real sentence encoder: POST /v1/route, the admin intent
 * API (validation, conflicts, tenancy, access), and the pipeline answering by route (a greeting gets a question
 * back, an order question without an order number asks for one, a knowledge-base question is answered).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { adminToken } from "../helpers/authed-app";
import { jsonCalls, type Json } from "../helpers/http";
import { testServices, type TestServices } from "../helpers/services";
import { ASK } from "../../api/orders/order-dialogue";


describe("intent routing", () => {
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  let admin: string;
  const { call, json } = jsonCalls(() => app);
  const route = async (query: string, conversationId?: string) => {
    const r = await call("POST", "/v1/route", admin, { query, ...(conversationId ? { conversationId } : {}) });
    expect(r.status).toBe(200);
    return json(r);
  };

  beforeAll(async () => {
    t = await testServices("pglite", {}, { sampleKb: true });
    app = createApp(t.services);
    admin = await adminToken(t.services);
  }, 180_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  test("POST /v1/route names the intent, route, confidence, slots and alternatives", async () => {
    const hi = await route("hello there");
    expect(hi).toMatchObject({ intent: "greeting", route: "clarify", reason: "intent" });
    expect(hi.confidence).toBeGreaterThan(0.5);
    expect(hi.alternatives.length).toBeGreaterThan(0);

    const order = await route("where is VM-100202?");
    expect(order).toMatchObject({ intent: "order_status", route: "tool", reason: "order-number", confidence: 1 });
    expect(order.slots.orderNumbers).toEqual(["VM-100202"]);

    // An order question naming no order: the knowledge base answers (how to track, what a status means).
    const noNumber = await route("my parcel still hasn't arrived, where is it?");
    expect(noNumber).toMatchObject({ intent: "order_status", route: "answer", reason: "no-order-named" });

    const kb = await route("How many days do I have to return a laptop?");
    expect(kb.route).toBe("answer");
    expect(kb.intent).toBe("return");

    const off = await route("what is the boiling point of mercury in kelvin");
    expect(off).toMatchObject({ intent: "other", route: "answer", reason: "out-of-scope" });
  });

  test("a request for a person and a complaint open a ticket and say its number; no person is promised", async () => {
    expect(await route("I want to talk to a real person")).toMatchObject({ intent: "talk_to_human", route: "handoff", reason: "intent" });
    const conv = (await json(await call("POST", "/v1/conversations", admin, {}))).id as string;
    const human = await json(await call("POST", `/v1/conversations/${conv}/messages`, admin, { content: "can I speak to a human please" }));
    expect(human).toMatchObject({ route: "handoff", decision: "ESCALATE" });
    expect(human.answer).toMatch(/can't connect you with a person/);
    const n = Number(/ticket #(\d+)/.exec(human.answer)?.[1]);
    const complaint = await json(await call("POST", `/v1/conversations/${conv}/messages`, admin, { content: "I want to make a formal complaint, my laptop arrived broken and nobody replies" }));
    expect(complaint).toMatchObject({ route: "ticket", decision: "ESCALATE" });
    const m = Number(/ticket #(\d+)/.exec(complaint.answer)?.[1]);
    expect(m).toBe(n + 1);
    const list = (await json(await call("GET", "/v1/tickets?limit=10", admin))).items as Json[];
    const opened = list.filter((x) => x.conversationId === conv);
    expect(opened.map((x) => x.number).sort()).toEqual([n, m]);
    expect(opened.find((x) => x.number === n)).toMatchObject({ priority: "high", category: "talk_to_human", status: "open" });
    expect(opened.find((x) => x.number === m)).toMatchObject({ category: "complaint", priority: "normal" });
  });

  test("the pipeline answers by route: a greeting gets a question back; an order follow-up is answered from the order just shown", async () => {
    const conv = (await json(await call("POST", "/v1/conversations", admin, {}))).id as string;
    const hi = await json(await call("POST", `/v1/conversations/${conv}/messages`, admin, { content: "hi!" }));
    expect(hi.decision).toBe("ASK_USER");
    expect(hi.route).toBe("clarify");
    expect(hi.answer).toMatch(/how can i help/i);
    expect(hi.citations).toEqual([]);

    const where = await json(await call("POST", `/v1/conversations/${conv}/messages`, admin, { content: "where is my order VM-100202?" }));
    expect(where.route).toBe("tool");
    expect(where.answer).toBe(ASK);
    const shown = await json(await call("POST", `/v1/conversations/${conv}/messages`, admin, { content: "my email is j.okafor@example.com" }));
    expect(shown.decision).toBe("PASS");
    expect(shown.answer).toContain("1ZXYDL5X2849796784");
    // A follow-up naming no order: the order just shown, looked up again with the email given then.
    const when = await json(await call("POST", `/v1/conversations/${conv}/messages`, admin, { content: "and when is my package supposed to arrive?" }));
    expect(when.route).toBe("tool");
    expect(when.decision).toBe("PASS");
    expect(when.answer).toContain("2026-01-08");

    const kb = await json(await call("POST", `/v1/conversations/${conv}/messages`, admin, { content: "How long is the warranty on the VoltBook 14?" }));
    expect(kb.route).toBe("answer");
    expect(kb.decision).toBe("PASS");
  });

  test("admin intent CRUD: defaults until the first change, then the tenant's own set, used for routing at once", async () => {
    const before = await json(await call("GET", "/v1/admin/intents", admin));
    expect(before.customised).toBe(false);
    expect(before.version).toBe(0);
    expect(before.intents.map((i: Json) => i.name)).toContain("order_status");

    const created = await call("POST", "/v1/admin/intents", admin, {
      name: "store_hours",
      description: "Opening hours of the physical shops",
      route: "clarify",
      reply: "Our shops are open 9:00-18:00, Monday to Saturday.",
      examples: ["when is your shop open", "what are the store opening hours", "are you open on sunday", "what time does the store close"],
    });
    expect(created.status).toBe(201);
    const after = await json(await call("GET", "/v1/admin/intents", admin));
    expect(after).toMatchObject({ customised: true, version: 1 });
    expect(after.intents.length).toBe(before.intents.length + 1);

    const r = await route("what time do your shops open on saturday?");
    expect(r).toMatchObject({ intent: "store_hours", route: "clarify" });

    const patched = await json(await call("PATCH", "/v1/admin/intents/store_hours", admin, { threshold: 0.99 }));
    expect(patched.threshold).toBe(0.99);
    expect((await route("what time do your shops open on saturday?")).intent).not.toBe("store_hours");

    expect((await call("DELETE", "/v1/admin/intents/store_hours", admin)).status).toBe(204);
    expect((await call("GET", "/v1/admin/intents/store_hours", admin)).status).toBe(404);
    const reset = await json(await call("DELETE", "/v1/admin/intents", admin));
    expect(reset).toMatchObject({ customised: false, version: 0 });
  });

  test("bad input: unknown route 422, bad name 422, duplicate 409, missing 404; nothing stored", async () => {
    const base = { name: "x_intent", route: "answer", examples: ["an example"] };
    const unknownRoute = await call("POST", "/v1/admin/intents", admin, { ...base, route: "teleport" });
    expect(unknownRoute.status).toBe(422);
    expect((await json(unknownRoute)).error.code).toBe("UNKNOWN_ROUTE");
    expect((await call("POST", "/v1/admin/intents", admin, { ...base, name: "Bad Name" })).status).toBe(422);
    expect((await call("POST", "/v1/admin/intents", admin, { ...base, name: "other" })).status).toBe(422);
    expect((await call("POST", "/v1/admin/intents", admin, { ...base, examples: [] })).status).toBe(422);
    expect((await call("POST", "/v1/admin/intents", admin, { ...base, examples: ["  "] })).status).toBe(422);
    expect((await call("POST", "/v1/admin/intents", admin, { ...base, threshold: 2 })).status).toBe(422);
    expect((await call("PATCH", "/v1/admin/intents/greeting", admin, { route: "nowhere" })).status).toBe(422);
    expect((await call("PATCH", "/v1/admin/intents/nope", admin, { description: "x" })).status).toBe(404);
    expect((await call("DELETE", "/v1/admin/intents/nope", admin)).status).toBe(404);
    const dup = await call("POST", "/v1/admin/intents", admin, { ...base, name: "greeting" });
    expect(dup.status).toBe(409);
    expect((await json(dup)).error.code).toBe("INTENT_EXISTS");
    // None of the refused changes stored anything.
    expect((await json(await call("GET", "/v1/admin/intents", admin))).customised).toBe(false);
    expect((await call("POST", "/v1/route", admin, { query: "" })).status).toBe(422);
    expect((await call("POST", "/v1/route", admin, { query: "hi", conversationId: "conv_missing" })).status).toBe(404);
  });

  test("another tenant's change does not reach this tenant; customers may not read or change intents", async () => {
    const other = await t.services.auth.accessToken({ id: "usr_other", username: "other-admin", role: "admin", email: null, tenantId: "tenant-b" }, 600);
    const made = await call("POST", "/v1/admin/intents", other, { name: "tenant_b_only", route: "clarify", examples: ["purple elephants dancing"] });
    expect(made.status).toBe(201);
    expect((await json(await call("GET", "/v1/admin/intents", admin))).intents.map((i: Json) => i.name)).not.toContain("tenant_b_only");
    const customer = await t.services.auth.accessToken({ id: "usr_c", username: "cust", role: "customer", email: null, tenantId: t.services.config.defaultTenant }, 600);
    expect((await call("GET", "/v1/admin/intents", customer)).status).toBe(403);
    expect((await call("POST", "/v1/route", customer, { query: "hi" })).status).toBe(403);
  });
});
