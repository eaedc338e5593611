/**
 * The LLM answer generator over the real inference client against real simulators over HTTP: prompt in,
 * mapped citations out, and each fault as the generator surfaces it (AppError before the first token, an
 * `error` event with the partial text after it). Every test is bounded.
 */
import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import type { StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";
import { createLlmGenerator, LlmGenerator } from "../../api/pipeline/llm-generator";
import { runGenerator, startGenerator } from "../support/generator-pipeline";
import { parseBackends } from "../../core/config";
import { createInferenceClient } from "../../inference/client/inference-client";
import type { InferenceLimits } from "../../inference/client/client-options";
import { createInferenceMetrics } from "../../inference/metrics";
import type { SimulatorInput } from "../../inference/simulator/options";
import { collect, deadUrl, sims, closedAfterEach, waitFor } from "../inference/helpers";

const passage = (chunkId: string, text: string, score = 1): Passage => ({
  chunkId, documentId: `doc-${chunkId}`, title: "", page: null, sectionPath: [], text, charStart: 0, charEnd: text.length,
  docType: "policy", source: "kb", tags: [], score, ranks: {},
});

const INPUT = {
  tenantId: "t1",
  question: "How long does the warranty last?",
  passages: [passage("warranty", "The warranty lasts two years from delivery. It covers manufacturing defects."), passage("returns", "Returns are accepted within 30 days.", 0.5)],
  history: [],
};

const { open, clients } = closedAfterEach();

function setup(simInputs: SimulatorInput[], limits: Partial<InferenceLimits> = {}) {
  const list = sims(...simInputs);
  open.push(...list);
  const registry = new Registry();
  const client = createInferenceClient({
    backends: list.map((s, i) => ({ url: s.url, model: "m", weight: list.length - i })),
    metrics: createInferenceMetrics(registry),
    limits: { healthIntervalMs: 0, ...limits },
  });
  clients.push(client);
  return { sims: list, client, registry, gen: new LlmGenerator({ model: client }) };
}

/** The generator's stream through the pipeline's cite, decide and persist stages. */
const runAll = (gen: LlmGenerator, input = INPUT, signal?: AbortSignal) => runGenerator(gen, input, signal, 5000);
const started = async (gen: LlmGenerator, signal?: AbortSignal) => startGenerator(gen, INPUT, signal).run;

const text = (events: StreamEvent[]) => events.map((e) => (e.type === "delta" ? e.text : "")).join("");

describe("LLM generator against the simulator", () => {
  test("answers from the passages with a mapped [1] citation -> PASS", async () => {
    const { gen, registry } = setup([{}]);
    const { events, outcome } = await runAll(gen);
    expect(text(events)).toBe("The warranty lasts two years from delivery [1].");
    expect(events.filter((e) => e.type === "citation")).toEqual([{ type: "citation", n: 1, passageId: "warranty" }]);
    expect(events.at(-1)).toMatchObject({ type: "finish", reason: "stop" });
    expect(outcome).toMatchObject({ decision: "PASS", citations: [{ n: 1, passageIndex: 0 }], finishReason: "stop", usage: { completionTokens: 8 } });
    expect(outcome.confidence).toBeGreaterThan(0.8);
    expect(outcome.usage!.promptTokens).toBeGreaterThan(50);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/llm_time_to_first_token_seconds_count\{backend="127\.0\.0\.1:\d+"\} 1/);
    expect(metrics).toMatch(/llm_completion_tokens_total\{backend="127\.0\.0\.1:\d+"\} 8/);
  }, 5000);

  test("a question the passages do not answer -> the model declines -> ESCALATE", async () => {
    const { gen } = setup([{}]);
    const { outcome } = await runAll(gen, { ...INPUT, question: "What colour is the sky on Mars?" });
    expect(outcome.text).toBe("I could not find the answer to that in the provided documents.");
    expect(outcome.decision).toBe("ESCALATE");
    expect(outcome.confidence).toBe(0);
  }, 5000);

  test("no backend reachable: the first next() throws 503 LLM_UNAVAILABLE with Retry-After; health says down", async () => {
    const client = createInferenceClient({ backends: [{ url: await deadUrl(), model: "m", weight: 1 }], limits: { healthIntervalMs: 0 } });
    clients.push(client);
    const gen = new LlmGenerator({ model: client });
    const h = await gen.health();
    expect(h.state).toBe("down");
    expect((h.backends as { healthy: boolean }[])[0]!.healthy).toBe(false);
    const run = await started(gen);
    const err = await collect(run.events, 3000).catch((e) => e);
    expect(err.status).toBe(503);
    expect(err.code).toBe("LLM_UNAVAILABLE");
    expect(err.retryAfter).toBeGreaterThanOrEqual(1);
    expect(await run.outcome.catch((e) => e)).toBe(err);
  }, 5000);

  test("500, 429 and malformed JSON on one backend fail over to the other before the first token", async () => {
    for (const faults of [{ errorRate: 1 }, { rateLimitRate: 1 }, { malformedRate: 1 }]) {
      const { gen, client } = setup([{ faults }, {}]);
      const { outcome } = await runAll(gen);
      expect(outcome.decision).toBe("PASS");
      expect(client.stats().backends[0]!.requests).toBe(1);
      expect(client.stats().backends[1]!.requests).toBe(1);
    }
  }, 8000);

  test("every backend answering 429 -> 429 LLM_OVERLOADED before the first event", async () => {
    const { gen } = setup([{ faults: { rateLimitRate: 1 } }]);
    const err = await collect((await started(gen)).events).catch((e) => e);
    expect(err.status).toBe(429);
    expect(err.code).toBe("LLM_OVERLOADED");
  }, 5000);

  test("a connection reset mid-stream ends with an error event; the outcome has the partial text and the error", async () => {
    const { gen } = setup([{ faults: { dropRate: 1, dropAfterTokens: 4 } }]);
    const { events, outcome } = await runAll(gen);
    expect(events.at(-1)).toMatchObject({ type: "error", code: "LLM_STREAM_INTERRUPTED" });
    expect(events.filter((e) => e.type === "finish")).toHaveLength(0);
    expect(outcome).toMatchObject({ text: "The warranty lasts two", finishReason: "error", decision: "ESCALATE", error: { code: "LLM_STREAM_INTERRUPTED" } });
  }, 5000);

  test("a backend that never finishes ends with an LLM_TIMEOUT error event within the total time limit", async () => {
    const { gen, sims: [sim] } = setup([{ faults: { stallRate: 1, stallAfterTokens: 3 } }], { totalTimeoutMs: 400, ttftTimeoutMs: 300 });
    const t0 = performance.now();
    const { events, outcome } = await runAll(gen);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(events.at(-1)).toMatchObject({ type: "error", code: "LLM_TIMEOUT" });
    expect(outcome.text).toBe("The warranty lasts");
    await waitFor(() => sim!.stats().running === 0, 2000, "stalled sequence freed");
  }, 5000);

  test("the queue full -> 429 with Retry-After; aborting the caller frees the backend slot", async () => {
    const { gen, sims: [sim] } = setup([{ outputTokens: 400, itlBaseMs: 5 }], { maxInFlightPerBackend: 1, maxQueue: 0 });
    const ac = new AbortController();
    const first = await started(gen, ac.signal);
    const it = first.events[Symbol.asyncIterator]();
    expect((await it.next()).value?.type).toBe("start");
    const err = await collect((await started(gen)).events).catch((e) => e);
    expect(err.status).toBe(429);
    expect(err.code).toBe("LLM_OVERLOADED");
    expect(err.retryAfter).toBeGreaterThanOrEqual(1);
    ac.abort();
    await collect({ [Symbol.asyncIterator]: () => it });
    expect((await first.outcome).finishReason).toBe("abort");
    await waitFor(() => sim!.stats().running === 0, 2000, "upstream sequence cancelled");
  }, 8000);

  test("all breakers open -> 503 at once", async () => {
    const { gen, client } = setup([{ faults: { errorRate: 1 } }, { faults: { errorRate: 1 } }], { failureThreshold: 1, cooldownMs: 60_000 });
    const first = await collect((await started(gen)).events).catch((e) => e);
    expect(first.status).toBe(503);
    expect(client.stats().backends.map((b) => b.breaker)).toEqual(["open", "open"]);
    const t0 = performance.now();
    const err = await collect((await started(gen)).events).catch((e) => e);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(err.status).toBe(503);
    expect(err.retryAfter).toBeGreaterThan(1);
    expect((await gen.health()).state).toBe("down");
  }, 5000);
});

describe("createLlmGenerator (the LLM_BASE_URLS branch of createGenerator)", () => {
  test("builds the gateway from LLM_BASE_URLS, registers llm_* metrics on the given registry, uses the tenant prompt", async () => {
    const [sim] = sims({});
    open.push(sim!);
    const registry = new Registry();
    const prompts: string[] = [];
    const gen = createLlmGenerator(
      { backends: parseBackends(`${sim!.url}|sim-model|2`, "default") },
      { metrics: registry, llmLimits: { healthIntervalMs: 0 }, systemPrompt: async (t) => (prompts.push(t), { text: "Answer from the passages, cite [n].", version: 4 }) },
    );
    try {
      expect(gen.id).toBe("llm:openai-pool:sim-model");
      const { outcome } = await runAll(gen);
      expect(outcome).toMatchObject({ decision: "PASS", prompt: { version: 4 } });
      expect(prompts).toEqual(["t1"]);
      expect(await gen.health()).toMatchObject({ state: "ok", backends: [{ url: sim!.url, model: "sim-model", healthy: true, breaker: "closed" }] });
      const text = await registry.metrics();
      for (const name of ["llm_time_to_first_token_seconds", "llm_inter_token_latency_seconds", "llm_prompt_tokens_total", "llm_completion_tokens_total", "llm_admission_queue_depth", "llm_backend_in_flight_requests", "llm_backend_breaker_state", "llm_failovers_total", "llm_aborted_requests_total", "llm_requests_total"]) {
        expect(text).toContain(`# TYPE ${name}`);
      }
    } finally {
      await gen.close();
    }
  }, 5000);
});
