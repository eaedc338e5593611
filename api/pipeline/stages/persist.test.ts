import { describe, expect, test } from "bun:test";
import type { MessagePatch } from "../../../core/db/conversation-repository";
import { newContext } from "../stage";
import { citationSources } from "./assemble";
import { finalAnswer, persistStage, statusOf } from "./persist";
import type { Passage } from "../../../core/ports/retrieval";

const passage = (id: string, text: string, score: number, extra: Partial<Passage> = {}): Passage => ({
  chunkId: id, documentId: `doc-${id}`, title: `Title ${id}`, page: null, sectionPath: [], text, charStart: 0, charEnd: text.length,
  docType: "policy", source: `s-${id}`, tags: [], score, ranks: {}, ...extra,
});

const outcome = (finishReason: "stop" | "abort" | "error") => ({
  text: "Laptops within 15 days [2].",
  citations: [{ n: 2, passageIndex: 1 }, { n: 2, passageIndex: 1 }, { n: 7, passageIndex: 6 }],
  finishReason,
  producer: "g",
  usage: { promptTokens: 10, completionTokens: 5 },
  ...(finishReason === "error" ? { error: { code: "BACKEND_DOWN", message: "gone" } } : {}),
});

describe("persist stage", () => {
  test("status follows the finish reason", () => {
    expect([statusOf("stop"), statusOf("length"), statusOf("abort"), statusOf("error"), statusOf("error", "Laptops within")]).toEqual(["complete", "complete", "partial", "failed", "partial"]);
  });

  test("builds the final answer: citations resolved to their sources once, unknown ones dropped", () => {
    const ctx = newContext({ tenantId: "t", content: "how long for laptops?" });
    ctx.sources = citationSources([passage("a", "A.", 1), passage("b", "Laptops within 15 days.", 0.5)]);
    ctx.outcome = outcome("stop");
    ctx.decision = { decision: "PASS", confidence: 0.8 };
    ctx.timings.retrieve = 3;
    const f = finalAnswer(ctx);
    expect(f.citations).toEqual([{ n: 2, documentId: "doc-b", title: "Title b", page: null, snippet: "Laptops within 15 days.", chunkId: "b", sectionPath: [] }]);
    expect(f).toMatchObject({ answer: "Laptops within 15 days [2].", status: "complete", decision: "PASS", confidence: 0.8, route: "answer", generatorId: "g", question: "how long for laptops?", rewritten: false, usage: { promptTokens: 10, completionTokens: 5 } });
    expect(f.timings.retrieve).toBe(3);
    expect(f.timings.total).toBeGreaterThanOrEqual(0);
  });

  test("without a decision the answer is not passed on as answered", () => {
    const ctx = newContext({ tenantId: "t", content: "q" });
    ctx.outcome = outcome("stop");
    expect(finalAnswer(ctx)).toMatchObject({ decision: "ESCALATE", confidence: 0 });
  });

  test("writes the assistant and user messages of the target; nothing without a target", async () => {
    const writes: [string, MessagePatch][] = [];
    const repo = { updateMessage: async (_t: string, id: string, patch: MessagePatch) => void writes.push([id, patch]) };
    const ctx = newContext({ tenantId: "t", content: "q", target: { conversationId: "c", messageId: "m", userMessageId: "u", extraMetadata: () => ({ lastEventId: 9 }) } });
    ctx.outcome = outcome("error");
    ctx.understanding = { normalized: "q", question: "standalone q", rewritten: true, slots: { orderNumbers: [], skus: [], emails: [], dates: [] } };
    await persistStage(repo).run(ctx);
    expect(writes.map(([id]) => id)).toEqual(["m", "u"]);
    expect(writes[0]![1]).toMatchObject({ status: "partial", content: "Laptops within 15 days [2].", metadata: { finishReason: "error", route: "answer", generatorId: "g", error: { code: "BACKEND_DOWN" }, lastEventId: 9, question: "standalone q" } });
    expect(writes[1]![1]).toEqual({ metadata: { standalone: "standalone q", rewritten: true, slots: { orderNumbers: [], skus: [], emails: [], dates: [] } } });
    expect(ctx.final?.status).toBe("partial");

    const free = newContext({ tenantId: "t", content: "q" });
    free.outcome = outcome("abort");
    writes.length = 0;
    await persistStage(repo).run(free);
    expect(writes).toEqual([]);
    expect(free.final?.status).toBe("partial");
  });
});
