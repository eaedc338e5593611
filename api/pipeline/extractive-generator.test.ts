import { describe, expect, test } from "bun:test";
import type { StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";
import { loadConfig } from "../../core/config";
import type { AnswerInput } from "./answer-generator";
import { createGenerator } from "./create-generator";
import { ExtractiveAnswerGenerator } from "./extractive-generator";
import { reduceStream } from "./reduce-stream";

/** The generator's stream with the pipeline's reducer on it (the outcome is what the stream said). */
const reduced = (g: ExtractiveAnswerGenerator, i: AnswerInput, signal?: AbortSignal) => reduceStream(g.run(i, signal), { producer: g.id, signal });

const passage = (id: string, text: string, score: number): Passage => ({
  chunkId: id, documentId: `doc-${id}`, title: `Title ${id}`, page: null, sectionPath: [], text, charStart: 0, charEnd: text.length,
  docType: "policy", source: `s-${id}`, tags: [], score, ranks: {},
});

const input = (question: string): AnswerInput => ({
  tenantId: "t",
  question,
  history: [],
  passages: [
    passage("s", "We ship to Canada with UPS Standard. Orders to Canada take 5 to 8 business days.", 0.4),
    passage("r", "Laptops can be returned within 15 days of delivery if they are in their original packaging.", 0.9),
  ],
});

const drain = async (it: AsyncIterable<StreamEvent>, stopAfter = Infinity) => {
  const out: StreamEvent[] = [];
  for await (const e of it) {
    out.push(e);
    if (out.length >= stopAfter) break;
  }
  return out;
};

describe("ExtractiveAnswerGenerator", () => {
  test("streams the composed answer with a citation per marker; the outcome matches the stream", async () => {
    const run = reduced(new ExtractiveAnswerGenerator({ wordsPerDelta: 3 }), input("How long can I return a laptop?"));
    const evs = await drain(run.events);
    expect(evs[0]).toEqual({ type: "start", model: "extractive-v1" });
    expect(evs.at(-1)).toMatchObject({ type: "finish", reason: "stop" });
    const text = evs.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
    const o = await run.outcome;
    expect(o.text).toBe(text);
    expect(text).toContain("15 days");
    expect(text).toContain("[2]"); // passage numbering: the laptop passage is the second
    expect(o.citations).toEqual([{ n: 2, passageIndex: 1 }]);
    expect(evs.filter((e) => e.type === "citation")).toEqual([{ type: "citation", n: 2, passageId: "r" }]);
    expect(o).toMatchObject({ assessment: { decision: "PASS" }, finishReason: "stop", producer: "extractive-v1", model: "extractive-v1" });
    expect(o.assessment!.confidence).toBeGreaterThan(0.3);
    expect(o.usage!.completionTokens).toBeGreaterThan(0);
    expect(o.usage!.promptTokens).toBeGreaterThan(o.usage!.completionTokens);
  });

  test("declines what the passages do not cover", async () => {
    const run = reduced(new ExtractiveAnswerGenerator(), input("What is the capital of France?"));
    await drain(run.events);
    const o = await run.outcome;
    expect(o.assessment?.decision).toBe("ESCALATE");
    expect(o.citations).toEqual([]);
    expect(o.text).toMatch(/doesn't cover that/);
    expect(o.text).not.toMatch(/ticket|human/i);
  });

  test("an abort mid-stream ends with finish 'abort' and a partial text", async () => {
    const ctrl = new AbortController();
    const run = reduced(new ExtractiveAnswerGenerator({ wordsPerDelta: 1, delayMs: 5 }), input("How long can I return a laptop?"), ctrl.signal);
    const evs: StreamEvent[] = [];
    for await (const e of run.events) {
      evs.push(e);
      if (e.type === "delta" && evs.length === 3) ctrl.abort();
    }
    expect(evs.at(-1)).toMatchObject({ type: "finish", reason: "abort" });
    const o = await run.outcome;
    expect(o.finishReason).toBe("abort");
    expect(o.text.split(" ").length).toBeLessThan(6);
  });

  test("a consumer that stops early, or an abort before anyone read, settles the outcome as aborted", async () => {
    const run = reduced(new ExtractiveAnswerGenerator({ wordsPerDelta: 1 }), input("How long can I return a laptop?"));
    await drain(run.events, 2);
    expect(await run.outcome).toMatchObject({ finishReason: "abort", text: "Laptops " });
    const ctrl = new AbortController();
    const unread = reduced(new ExtractiveAnswerGenerator(), input("How long can I return a laptop?"), ctrl.signal);
    ctrl.abort();
    expect(await unread.outcome).toMatchObject({ finishReason: "abort", text: "" });
  });

  test("an empty question ends with an error event and an error outcome", async () => {
    const run = reduced(new ExtractiveAnswerGenerator(), input("  "));
    const evs = await drain(run.events);
    expect(evs.map((e) => e.type)).toEqual(["start", "error"]);
    expect(await run.outcome).toMatchObject({ finishReason: "error", error: { code: "EMPTY_QUESTION" } });
  });

  test("createGenerator returns the extractive generator paced by the config", () => {
    const g = createGenerator(loadConfig({ DATA_DIR: "/tmp/unused", EXTRACTIVE_DELTA_DELAY_MS: "7" }));
    expect(g).toBeInstanceOf(ExtractiveAnswerGenerator);
    expect(g.id).toBe("extractive-v1");
  });
});
