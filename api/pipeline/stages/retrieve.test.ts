import { describe, expect, test } from "bun:test";
import type { RetrieveRequest, RetrieveResult } from "../hybrid-retriever";
import { newContext } from "../stage";
import { cutQuery, retrieveStage } from "./retrieve";

describe("retrieve stage", () => {
  test("cuts long questions at a word", () => {
    expect(cutQuery("short", 10)).toBe("short");
    expect(cutQuery("laptop returns policy", 12)).toBe("laptop");
    expect(cutQuery("abcdefghijkl", 5)).toBe("abcde");
  });

  test("retrieves within the tenant; the candidates are the passages found", async () => {
    const seen: RetrieveRequest[] = [];
    const retriever = { retrieve: async (r: RetrieveRequest): Promise<RetrieveResult> => (seen.push(r), { passages: [], channels: {}, tookMs: 0 }) };
    const ctx = newContext({ tenantId: "t9", content: "How do returns work?" });
    await retrieveStage(retriever, { k: 4 }).run(ctx);
    expect(seen[0]).toMatchObject({ query: "How do returns work?", k: 4, filter: { tenantId: "t9" } });
    expect(ctx.retrieval).toBeDefined();
  });

  test("a client that left while waiting for a slot is a 499, not a failure", async () => {
    let release!: () => void;
    const retriever = { retrieve: () => new Promise<RetrieveResult>((r) => (release = () => r({ passages: [], channels: {}, tookMs: 0 }))) };
    const stage = retrieveStage(retriever, { maxConcurrent: 1 });
    const busy = stage.run(newContext({ tenantId: "t", content: "a" }));
    const ac = new AbortController();
    const waiting = stage.run(newContext({ tenantId: "t", content: "b", signal: ac.signal }));
    ac.abort();
    const err = await Promise.resolve(waiting).catch((e) => e);
    expect(err).toMatchObject({ code: "CLIENT_CLOSED", status: 499 });
    release();
    await busy;
  });
});
