import { describe, expect, test } from "bun:test";
import { AppError } from "../core/errors";
import type { GenerateRequest, StreamEvent } from "../core/ports/language-model";
import type { Passage } from "../core/ports/retrieval";
import returnsJson from "../tests/fixtures/passages/return-policy.json";
import shippingJson from "../tests/fixtures/passages/shipping-policy.json";
import warrantyJson from "../tests/fixtures/passages/warranty.json";
import {
  composeExtractiveAnswer,
  DEFAULT_DECLINE,
  ExtractiveGenerator,
  passagesFromRequest,
  questionFromRequest,
  wordGroups,
} from "./extractive";

const kb = [...returnsJson, ...shippingJson, ...warrantyJson] as Passage[];
const request = (question: string, passages = kb): GenerateRequest => ({
  messages: [
    { role: "system", content: "Answer from the passages." },
    { role: "user", content: "Hi there" },
    { role: "assistant", content: "Hello! How can I help?" },
    { role: "user", content: question },
  ],
  passages: passages.map((p) => ({ id: p.chunkId, text: p.text, title: p.title })),
});

async function collect(events: AsyncIterable<StreamEvent>, onEvent?: (e: StreamEvent) => void): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) {
    out.push(e);
    onEvent?.(e);
  }
  return out;
}

describe("request mapping", () => {
  test("question is the last user message, or the text after its last 'Question:' label", () => {
    expect(questionFromRequest(request("Do you ship to Canada?"))).toBe("Do you ship to Canada?");
    const prompt = "Passages:\n[1] We ship...\n\nQuestion: Do you ship to Canada?\nAnswer with citations.";
    expect(questionFromRequest({ messages: [{ role: "user", content: prompt }] })).toBe("Do you ship to Canada?");
    expect(questionFromRequest({ messages: [{ role: "system", content: "x" }] })).toBe("");
  });

  test("passages keep their order, ids and a falling score", () => {
    const ps = passagesFromRequest(request("q"));
    expect(ps.map((p) => p.chunkId)).toEqual(kb.map((p) => p.chunkId));
    expect(ps[0]!.score).toBeGreaterThan(ps[1]!.score);
    expect(ps[2]!.title).toBe("Shipping Policy");
  });
});

describe("ExtractiveGenerator.stream", () => {
  test("start, deltas, a citation right after its marker, finish; deltas rebuild the answer", async () => {
    const gen = new ExtractiveGenerator({ wordsPerDelta: 3 });
    const req = request("How long do I have to return a laptop?");
    const events = await collect(gen.stream(req));
    const answer = gen.answer(req);
    expect(events[0]).toEqual({ type: "start", model: "extractive-v1" });
    expect(events.at(-1)!.type).toBe("finish");
    expect(events.filter((e) => e.type === "finish" || e.type === "error")).toHaveLength(1);
    const text = events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
    expect(text).toBe(answer.text);
    expect(text).toStartWith("Laptops, tablets and cameras can be returned within 15 days of delivery [1].");
    const deltas = events.filter((e) => e.type === "delta");
    expect(deltas.length).toBeGreaterThan(3);
    for (const d of deltas) expect(d.text.trim().split(/\s+/).length).toBeLessThanOrEqual(3);
    const ci = events.findIndex((e) => e.type === "citation");
    expect(events[ci]).toEqual({ type: "citation", n: 1, passageId: "returns#1" });
    const before = events[ci - 1]!;
    expect(before.type === "delta" && before.text.includes("[1]")).toBe(true);
    const finish = events.at(-1)!;
    expect(finish.type === "finish" && finish.reason).toBe("stop");
    expect(finish.type === "finish" && finish.usage!.completionTokens).toBeGreaterThan(0);
    expect(finish.type === "finish" && finish.usage!.promptTokens).toBeGreaterThan(100);
  });

  test("abort mid-stream: finish 'abort' promptly, no more deltas", async () => {
    const gen = new ExtractiveGenerator({ wordsPerDelta: 1 });
    const ctrl = new AbortController();
    let deltas = 0;
    const events = await collect(gen.stream(request("Is water damage covered by the warranty?"), ctrl.signal), (e) => {
      if (e.type === "delta" && ++deltas === 2) ctrl.abort();
    });
    expect(events.filter((e) => e.type === "delta")).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: "finish", reason: "abort" });
  });

  test("abort during a paced delay stops without waiting for the delay", async () => {
    const gen = new ExtractiveGenerator({ wordsPerDelta: 1, delayMs: 5_000 });
    const ctrl = new AbortController();
    const started = performance.now();
    const events = await collect(gen.stream(request("Do you ship to Canada?"), ctrl.signal), (e) => {
      if (e.type === "delta") setTimeout(() => ctrl.abort(), 5);
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(events.filter((e) => e.type === "delta")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "finish", reason: "abort" });
  });

  test("an already aborted signal yields start then finish 'abort'", async () => {
    const events = await collect(new ExtractiveGenerator().stream(request("Do you ship to Canada?"), AbortSignal.abort()));
    expect(events.map((e) => e.type)).toEqual(["start", "finish"]);
  });

  test("maxTokens ends the stream with 'length'", async () => {
    const events = await collect(new ExtractiveGenerator().stream({ ...request("Do you ship to Canada?"), maxTokens: 8 }));
    expect(events.at(-1)).toMatchObject({ type: "finish", reason: "length" });
    const text = events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThanOrEqual(8 * 4);
  });

  test("no question: start then an error event, and generate() throws a 422 AppError", async () => {
    const req: GenerateRequest = { messages: [{ role: "system", content: "only a system prompt" }], passages: [] };
    const events = await collect(new ExtractiveGenerator().stream(req));
    expect(events.map((e) => e.type)).toEqual(["start", "error"]);
    expect(events[1]).toMatchObject({ code: "EMPTY_QUESTION", retryable: false });
    const err = await new ExtractiveGenerator().generate(req).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(422);
  });
});

describe("ExtractiveGenerator", () => {
  test("generate() returns the answer text; a decline streams without citations", async () => {
    const gen = new ExtractiveGenerator();
    const ok = await gen.generate(request("Do you ship to Canada?"));
    expect(ok.finishReason).toBe("stop");
    expect(ok.text).toStartWith("We ship to Canada and Mexico");
    expect(ok.text).toContain("[3]");
    const weak = [...shippingJson] as Passage[];
    const events = await collect(gen.stream(request("What is the capital of France?", weak)));
    expect(events.some((e) => e.type === "citation")).toBe(false);
    expect(events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("")).toBe(DEFAULT_DECLINE.escalate);
  });

  test("streamAnswer streams a composed answer with its passage ids", async () => {
    const answer = composeExtractiveAnswer("Is water damage covered by the warranty?", [...warrantyJson, ...returnsJson] as Passage[], {
      numbering: "first-use",
    });
    const events = await collect(new ExtractiveGenerator().streamAnswer(answer));
    expect(events.filter((e) => e.type === "citation")).toEqual([{ type: "citation", n: 1, passageId: "warranty#0" }]);
  });

  test("wordGroups keeps every character and closes a group after a marker", () => {
    const text = "We ship to Canada and Mexico [1]. Customs are extra [2].";
    const groups = wordGroups(text, 4);
    expect(groups.join("")).toBe(text);
    expect(groups).toEqual(["We ship to Canada ", "and Mexico [1]. ", "Customs are extra [2]."]);
  });

  test("bad options are 422 AppErrors", () => {
    for (const o of [{ wordsPerDelta: 0 }, { delayMs: -1 }, { minCoverage: 1.5 }, { askUserMaxWords: -1 }]) {
      expect(() => new ExtractiveGenerator(o)).toThrow(AppError);
    }
  });
});
