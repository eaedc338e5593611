/**
 * The first start's sample knowledge base (ingest/sample-kb) answers its own questions through the API: the
 * answer cites the right sample document and states the key fact; an off-topic question is declined.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { testServices, type TestServices } from "../helpers/services";

describe("the sample knowledge base answers its own questions", () => {
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  let sourceOf: Map<string, string>;
  const call = async (method: string, path: string, body?: unknown) =>
    (await app.handle(
      new Request(`http://local${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    ).then((r) => r.json())) as Record<string, any>;
  const ask = async (question: string) => {
    const conv = await call("POST", "/v1/conversations", {});
    const a = await call("POST", `/v1/conversations/${conv.id}/messages`, { content: question });
    return { ...a, sources: (a.citations as { documentId: string }[]).map((c) => sourceOf.get(c.documentId)) } as Record<string, any>;
  };

  beforeAll(async () => {
    t = await testServices("pglite", {}, { sampleKb: true });
    app = authedApp(t.services);
    const docs = await call("GET", "/v1/documents?limit=50");
    sourceOf = new Map((docs.items as { id: string; source: string }[]).map((d) => [d.id, d.source.replace(/^sample-kb\//, "")]));
    expect(sourceOf.size).toBeGreaterThanOrEqual(7);
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  test("How long do I have to return a laptop?", async () => {
    const a = await ask("How long do I have to return a laptop?");
    expect(a.decision).toBe("PASS");
    expect(a.sources[0]).toBe("returns-and-refunds.md");
    expect(a.answer).toMatch(/15-day return window|15 days/);
  });

  test("Do you ship to Canada?", async () => {
    const a = await ask("Do you ship to Canada?");
    expect(a.decision).toBe("PASS");
    expect(a.sources[0]).toBe("shipping-policy.html");
    expect(a.answer).toMatch(/ship(ped)? to Canada/i);
  });

  test("Is water damage covered by the warranty?", async () => {
    const a = await ask("Is water damage covered by the warranty?");
    expect(a.decision).toBe("PASS");
    expect(a.sources[0]).toBe("warranty-terms.md");
    expect(a.answer).toMatch(/spills|liquid|water/i);
    expect(a.answer).toContain("not covered");
  });

  test("an off-topic question is declined, promising nothing the product cannot do", async () => {
    for (const q of ["Who won the World Cup in 2022?", "Can you give me a recipe for banana bread?"]) {
      const a = await ask(q);
      expect(a.decision).toBe("ESCALATE");
      expect(a.citations).toEqual([]);
      expect(a.answer).toMatch(/knowledge base/);
      expect(a.answer).not.toMatch(/ticket|human/i);
    }
  });
});
