import { describe, expect, test } from "bun:test";
import { AppError } from "../../core/errors";
import type { GenerateRequest, LanguageModel, StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";
import type { InferenceHealth } from "../../inference/client/inference-client";
import type { AnswerInput } from "./answer-generator";
import { runGenerator, startGenerator } from "../../tests/support/generator-pipeline";
import { LlmGenerator } from "./llm-generator";
import { PASSAGES_ARE_DATA } from "./prompt-template";

const P = (chunkId: string, score: number, text = "x."): Passage => ({
  chunkId, documentId: chunkId, title: chunkId, page: null, sectionPath: [], text, charStart: 0, charEnd: text.length,
  docType: "faq", source: "s", tags: [], score, ranks: {},
});

const INPUT: AnswerInput = {
  tenantId: "t1",
  question: "How long is the warranty?",
  passages: [P("warranty", 0.9, "The warranty lasts two years."), P("returns", 0.3, "Returns within 30 days.")],
  history: [],
};

/** A LanguageModel that plays a script: events, or a function of the request. */
function scripted(script: (StreamEvent | Error)[], onRequest?: (r: GenerateRequest, s?: AbortSignal) => void): LanguageModel {
  return {
    id: "fake",
    async *stream(req, signal) {
      onRequest?.(req, signal);
      for (const ev of script) {
        await Bun.sleep(0);
        if (ev instanceof Error) throw ev;
        yield ev;
      }
    },
    generate: async () => ({ text: "", finishReason: "stop" }),
  };
}

const deltas = (...parts: string[]): StreamEvent[] => parts.map((text) => ({ type: "delta", text }));
const START: StreamEvent = { type: "start", model: "m", backend: "h:1" };
const FINISH: StreamEvent = { type: "finish", reason: "stop", usage: { promptTokens: 50, completionTokens: 9 } };

const start = (gen: LlmGenerator, input = INPUT, signal?: AbortSignal) => startGenerator(gen, input, signal);
const drain = (gen: LlmGenerator, input = INPUT, signal?: AbortSignal) => runGenerator(gen, input, signal);

describe("LlmGenerator", () => {
  test("streams mapped text with citation events after the delta that closes the marker", async () => {
    let sent: GenerateRequest | undefined;
    const gen = new LlmGenerator({ model: scripted([START, ...deltas("The warranty lasts", " two years [", "1", "]."), FINISH], (r) => (sent = r)), maxTokens: 300, temperature: 0 });
    const { events, outcome } = await drain(gen);
    expect(events).toEqual([
      { ...START, prompt: { templateId: "answer-v2", version: 0 } },
      { type: "delta", text: "The warranty lasts" },
      { type: "delta", text: " two years" },
      { type: "delta", text: " [1]." }, // " [" and "1" were held back until the marker closed
      { type: "citation", n: 1, passageId: "warranty" },
      FINISH,
    ]);
    expect(outcome).toMatchObject({
      text: "The warranty lasts two years [1].",
      citations: [{ n: 1, passageIndex: 0 }],
      decision: "PASS",
      finishReason: "stop",
      producer: "llm:fake",
      usage: { promptTokens: 50, completionTokens: 9 },
      prompt: { templateId: "answer-v2", version: 0 },
    });
    expect(outcome.confidence).toBeGreaterThan(0.5);
    expect(sent!.maxTokens).toBe(300);
    expect(sent!.temperature).toBe(0);
    expect(sent!.messages.at(-1)!.content).toContain("[1] warranty: The warranty lasts two years.");
    expect(sent!.passages).toBeUndefined(); // the template renders them; the client must not add them again
  });

  test("invalid citation numbers are dropped from the text and flagged", async () => {
    const gen = new LlmGenerator({ model: scripted([START, ...deltas("Two years [1, 7]. Also [9]."), FINISH]) });
    const { events, outcome } = await drain(gen);
    expect(outcome.text).toBe("Two years [1]. Also.");
    expect(outcome.invalidCitations).toEqual([7, 9]);
    expect(events.filter((e) => e.type === "citation")).toEqual([{ type: "citation", n: 1, passageId: "warranty" }]);
    expect(outcome.decision).toBe("PASS");
  });

  test("no valid citation -> ESCALATE with confidence 0", async () => {
    const { outcome } = await drain(new LlmGenerator({ model: scripted([START, ...deltas("It is two years."), FINISH]) }));
    expect(outcome.decision).toBe("ESCALATE");
    expect(outcome.confidence).toBe(0);
  });

  test("the model saying it doesn't know -> ESCALATE even with a citation", async () => {
    const { outcome } = await drain(new LlmGenerator({ model: scripted([START, ...deltas("I don't know how long batteries are covered [2]. I can open a ticket."), FINISH]) }));
    expect(outcome.decision).toBe("ESCALATE");
    expect(outcome.confidence).toBeLessThanOrEqual(0.2);
  });

  test("overload before the first token: the first next() throws the client's AppError and the outcome rejects", async () => {
    const overloaded = new AppError({ code: "LLM_OVERLOADED", message: "queue full", category: "rate_limit", retryAfter: 5 });
    const run = await start(new LlmGenerator({ model: scripted([overloaded]) })).run;
    const it = run.events[Symbol.asyncIterator]();
    const err = await it.next().catch((e) => e);
    expect(err).toBe(overloaded);
    expect(err.status).toBe(429);
    expect(await run.outcome.catch((e) => e)).toBe(overloaded);
  });

  test("a mid-stream error event ends the stream; the outcome keeps the partial text and the error", async () => {
    const script: StreamEvent[] = [START, ...deltas("The warranty [1] lasts", " two [", "2"), { type: "error", code: "LLM_STREAM_INTERRUPTED", message: "reset", retryable: false }];
    const { events, outcome } = await drain(new LlmGenerator({ model: scripted(script) }));
    expect(events.at(-1)).toEqual({ type: "error", code: "LLM_STREAM_INTERRUPTED", message: "reset", retryable: false });
    expect(outcome).toMatchObject({ text: "The warranty [1] lasts two", finishReason: "error", decision: "ESCALATE", error: { code: "LLM_STREAM_INTERRUPTED", message: "reset" } });
  });

  test("a throw after the first token becomes an error event", async () => {
    const { events, outcome } = await drain(new LlmGenerator({ model: scripted([START, ...deltas("Partial"), new Error("socket closed")]) }));
    expect(events.at(-1)).toMatchObject({ type: "error", code: "LLM_STREAM_INTERRUPTED" });
    expect(outcome).toMatchObject({ text: "Partial", finishReason: "error" });
  });

  test("a stream that stops without finish ends with an error event", async () => {
    const { events, outcome } = await drain(new LlmGenerator({ model: scripted([START, ...deltas("Half")]) }));
    expect(events.at(-1)).toMatchObject({ type: "error", code: "LLM_STREAM_INTERRUPTED" });
    expect(outcome.finishReason).toBe("error");
  });

  test("a consumer that leaves early ends the run with finishReason abort", async () => {
    const run = await start(new LlmGenerator({ model: scripted([START, ...deltas("a", " b", " c"), FINISH]) })).run;
    for await (const ev of run.events) if (ev.type === "delta") break;
    expect(await run.outcome).toMatchObject({ finishReason: "abort", text: "a" });
  });

  test("aborted before anyone iterates: the outcome resolves with abort", async () => {
    const ac = new AbortController();
    const run = await start(new LlmGenerator({ model: scripted([START, FINISH]) }), INPUT, ac.signal).run;
    ac.abort();
    expect(await run.outcome).toMatchObject({ finishReason: "abort", text: "" });
  });

  test("the abort signal reaches the model", async () => {
    const ac = new AbortController();
    let got: AbortSignal | undefined;
    await drain(new LlmGenerator({ model: scripted([START, FINISH], (_r, s) => (got = s)) }), INPUT, ac.signal);
    expect(got).toBe(ac.signal);
  });

  test("uses the tenant's system prompt and records its version", async () => {
    let sent: GenerateRequest | undefined;
    const tenants: string[] = [];
    const gen = new LlmGenerator({
      model: scripted([START, FINISH], (r) => (sent = r)),
      systemPrompt: async (t) => (tenants.push(t), { text: "Only answer about warranties.", version: 3 }),
    });
    const { outcome } = await drain(gen);
    expect(tenants).toEqual(["t1"]);
    expect(sent!.messages[0]).toEqual({ role: "system", content: `Only answer about warranties.\n${PASSAGES_ARE_DATA}` });
    expect(outcome.prompt?.version).toBe(3);
  });

  test("usage is estimated when the backend reports none", async () => {
    const { outcome } = await drain(new LlmGenerator({ model: scripted([START, ...deltas("Two years [1]."), { type: "finish", reason: "length" }]) }));
    expect(outcome.finishReason).toBe("length");
    expect(outcome.usage!.promptTokens).toBeGreaterThan(10);
    expect(outcome.usage!.completionTokens).toBeGreaterThan(0);
  });

  test("the request's max tokens (the OpenAI facade's max_tokens) caps the model's, never raises it", async () => {
    const sent: GenerateRequest[] = [];
    const gen = new LlmGenerator({ model: scripted([START, FINISH], (r) => void sent.push(r)), maxTokens: 300 });
    await drain(gen, { ...INPUT, maxTokens: 20 });
    await drain(gen, { ...INPUT, maxTokens: 5000 });
    await drain(gen);
    expect(sent.map((r) => r.maxTokens)).toEqual([20, 300, 300]);
  });

  test("an empty question is a 422 before any event", async () => {
    const err = await new LlmGenerator({ model: scripted([START, FINISH]) }).run({ ...INPUT, question: " " })[Symbol.asyncIterator]().next().catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(422);
  });
});

describe("LlmGenerator.health", () => {
  const withHealth = (h: () => Promise<InferenceHealth>) => ({ ...scripted([]), health: h });
  const backend = (over: Partial<InferenceHealth["backends"][number]> = {}) => ({ url: "http://a:1/v1", host: "a:1", model: "m", weight: 1, healthy: true, breaker: "closed" as const, inFlight: 0, requests: 0, failures: 0, ...over });

  test("maps the client's health: up -> ok, down -> down with each backend", async () => {
    const up = await new LlmGenerator({ model: withHealth(async () => ({ status: "up", queueDepth: 0, backends: [backend()] })) }).health();
    expect(up).toMatchObject({ state: "ok", kind: "llm", backends: [{ url: "http://a:1/v1", healthy: true, breaker: "closed" }] });
    const down = await new LlmGenerator({ model: withHealth(async () => ({ status: "down", queueDepth: 0, backends: [backend({ healthy: false, lastError: "ECONNREFUSED" })] })) }).health();
    expect(down).toMatchObject({ state: "down", detail: "0 of 1 inference backend(s) usable", backends: [{ healthy: false, lastError: "ECONNREFUSED" }] });
  });

  test("a probe slower than healthTimeoutMs reports degraded instead of hanging", async () => {
    const slow = new LlmGenerator({ model: withHealth(() => new Promise(() => {})), healthTimeoutMs: 20 });
    expect(await slow.health()).toMatchObject({ state: "degraded" });
  });
});
