/**
 * The LLM answer path against a real engine over real HTTP: llama.cpp's llama-server (the engine Ollama runs)
 * serving Gemma 3 270M (Q4_K_M GGUF from PyPI), built and fetched by .ci/peers/llama-server.sh. The suite starts
 * its own engines (one shared, one it kills) from TEST_LLAMA_SERVER_BIN and TEST_LLAMA_MODEL; without them it
 * skips locally and fails in CI. Prompts are short and max_tokens small: the model is tiny and the CPU shared.
 *
 * What is checked is what the gateway does with the engine's real behaviour: SSE framing and usage, finish
 * reasons, the engine's own errors (context overflow), aborts reaching the engine (its slot stops), a dying
 * engine mid-stream, and the admission queue and breaker in front of the engine's real concurrency (--parallel).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LlmGenerator } from "../../api/pipeline/llm-generator";
import type { GenerateRequest, StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";
import { createInferenceClient, type InferenceClient } from "../../inference/client/inference-client";
import type { InferenceLimits } from "../../inference/client/client-options";
import { collect, rejection, textOf } from "../inference/helpers";
import { runGenerator } from "../support/generator-pipeline";
import { LlamaPeer } from "../support/llama-peer";
import { realPeer } from "../support/real-peers";

const SUITE = "real LLM engine (llama-server)";
const bin = realPeer("TEST_LLAMA_SERVER_BIN", SUITE, "path");
const model = bin ? realPeer("TEST_LLAMA_MODEL", SUITE, "path") : undefined;
const MODEL = "gemma-3-270m";

const ASK: GenerateRequest = {
  messages: [{ role: "user", content: "How long does the warranty last? Answer in one sentence." }],
  passages: [
    { id: "warranty", text: "The warranty lasts two years from delivery. It covers manufacturing defects." },
    { id: "returns", text: "Returns are accepted within 30 days." },
  ],
  maxTokens: 24,
  temperature: 0,
};
/** A request that keeps the engine busy until it is stopped (a long story, capped far above what tests wait for). */
const LONG: GenerateRequest = { messages: [{ role: "user", content: "Write a very long story about a lighthouse keeper." }], maxTokens: 400, temperature: 0 };

const clients: InferenceClient[] = [];
function client(url: string, limits: Partial<InferenceLimits> = {}): InferenceClient {
  const c = createInferenceClient({ backends: [{ url, model: MODEL, weight: 1 }], limits: { healthIntervalMs: 0, ...limits } });
  clients.push(c);
  return c;
}

describe.skipIf(!model)(SUITE, () => {
  let engine: LlamaPeer;
  beforeAll(async () => {
    engine = await LlamaPeer.start(bin!, model!, { parallel: 2, ctx: 2048 });
  }, 90_000);
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await engine?.stop();
  });

  test("/v1/models is what the health probe reads: the engine is healthy", async () => {
    const h = await client(engine.url).health();
    expect(h.status).toBe("up");
    expect(h.backends[0]!.healthy).toBe(true);
  });

  test("streams deltas, then one finish with the engine's usage", async () => {
    const events = await collect(client(engine.url).stream(ASK), 60_000);
    expect(events[0]).toMatchObject({ type: "start", model: MODEL });
    const deltas = events.filter((e) => e.type === "delta");
    expect(deltas.length).toBeGreaterThan(1);
    expect(textOf(events).trim().length).toBeGreaterThan(0);
    const fin = events.at(-1) as Extract<StreamEvent, { type: "finish" }>;
    expect(fin.type).toBe("finish");
    expect(["stop", "length"]).toContain(fin.reason);
    expect(fin.usage!.promptTokens).toBeGreaterThan(20);
    expect(fin.usage!.completionTokens).toBeGreaterThan(0);
    expect(fin.usage!.completionTokens).toBeLessThanOrEqual(24);
    expect(events.filter((e) => e.type === "finish" || e.type === "error").length).toBe(1);
  }, 60_000);

  test("max_tokens reached -> finish reason length, exactly that many completion tokens", async () => {
    const events = await collect(client(engine.url).stream({ ...LONG, maxTokens: 5 }), 60_000);
    expect(events.at(-1)).toMatchObject({ type: "finish", reason: "length", usage: { completionTokens: 5 } });
  }, 60_000);

  test("the answer pipeline maps the model's [n] markers to passages as they stream", async () => {
    const p = (chunkId: string, text: string, score = 1): Passage => ({
      chunkId, documentId: `doc-${chunkId}`, title: "", page: null, sectionPath: [], text, charStart: 0, charEnd: text.length,
      docType: "policy", source: "kb", tags: [], score, ranks: {},
    });
    const gen = new LlmGenerator({ model: client(engine.url), maxTokens: 48, temperature: 0 });
    const { events, outcome } = await runGenerator(
      gen,
      {
        tenantId: "t1",
        question: "How long does the warranty last?",
        passages: [p("warranty", "The warranty lasts two years from delivery."), p("returns", "Returns are accepted within 30 days.", 0.5)],
        history: [],
      },
      undefined,
      60_000,
    );
    const last = events.at(-1)!;
    expect(last.type).toBe("finish");
    // Whatever the small model wrote, every citation event names a passage and the outcome agrees with the text.
    const cites = events.filter((e) => e.type === "citation") as Extract<StreamEvent, { type: "citation" }>[];
    for (const c of cites) expect(["warranty", "returns"]).toContain(c.passageId);
    expect(outcome.citations.length).toBe(new Set(cites.map((c) => c.n)).size);
    expect(outcome.text).toBe(textOf(events));
    expect(outcome.text).not.toMatch(/\[(?:[3-9]|\d{2,})\]/); // numbers with no passage are removed from the text
    expect(["PASS", "ESCALATE"]).toContain(outcome.decision);
  }, 60_000);

  test("the client leaving mid-stream stops the engine's generation (its slot frees at once)", async () => {
    const c = client(engine.url);
    const predicted0 = await engine.metric("tokens_predicted_total");
    let got = 0;
    for await (const ev of c.stream({ ...LONG, maxTokens: 2000 })) {
      if (ev.type === "delta" && ++got === 3) break; // leaving the loop aborts the upstream request
    }
    let idle = false;
    const end = Date.now() + 5000;
    while (!idle && Date.now() < end) {
      idle = (await engine.processing()) === 0;
      if (!idle) await Bun.sleep(50);
    }
    expect(idle).toBe(true);
    const predicted1 = await engine.metric("tokens_predicted_total");
    await Bun.sleep(500);
    expect(await engine.metric("tokens_predicted_total")).toBe(predicted1);
    expect(predicted1 - predicted0).toBeLessThan(200); // far from the 2000 asked for
    expect(c.stats().backends[0]!.inFlight).toBe(0);
  }, 60_000);

  test("a prompt over the context window is a clean 4xx error before any event, and the engine keeps serving", async () => {
    const c = client(engine.url);
    const long = "The warranty covers manufacturing defects for two years. ".repeat(200); // ~2,400 tokens > 1,024 per slot
    const err = await rejection(c.stream({ messages: [{ role: "user", content: long }], maxTokens: 8 }), 60_000);
    expect(err.code).toBe("LLM_CONTEXT_TOO_LONG");
    expect(err.status).toBe(413);
    expect(err.message).toMatch(/context/);
    expect(c.stats().backends[0]!.breaker).toBe("closed");
    const ok = await collect(c.stream({ ...ASK, maxTokens: 4 }), 60_000);
    expect(ok.at(-1)!.type).toBe("finish");
  }, 60_000);

  test("admission: the gateway holds the engine at its --parallel limit, queues one, sheds the rest with 429", async () => {
    const c = client(engine.url, { maxInFlightPerBackend: 2, maxQueue: 1, queueTimeoutMs: 60_000 });
    const runs = [0, 1, 2, 3].map((i) => collect(c.stream({ ...LONG, maxTokens: 12, messages: [{ role: "user", content: `Story number ${i} about a lighthouse.` }] }), 90_000).then(
      (events) => ({ events }),
      (error) => ({ error }),
    ));
    // While they run, sample the engine: the gateway keeps it at its limit and nothing waits inside the engine.
    let maxBusy = 0;
    let maxDeferred = 0;
    let maxInFlight = 0;
    const sample = (async () => {
      for (let i = 0; i < 40; i++) {
        maxBusy = Math.max(maxBusy, await engine.metric("requests_processing"));
        maxDeferred = Math.max(maxDeferred, await engine.metric("requests_deferred"));
        maxInFlight = Math.max(maxInFlight, c.stats().backends[0]!.inFlight);
        await Bun.sleep(25);
      }
    })();
    const results = await Promise.all(runs);
    await sample;
    const shed = results.filter((r) => "error" in r);
    expect(shed.length).toBe(1);
    expect((shed[0] as { error: { code: string; status: number } }).error).toMatchObject({ code: "LLM_OVERLOADED", status: 429 });
    const done = results.filter((r) => "events" in r) as { events: StreamEvent[] }[];
    expect(done.length).toBe(3);
    for (const r of done) expect(r.events.at(-1)).toMatchObject({ type: "finish", reason: "length" });
    expect(maxBusy).toBeGreaterThan(0);
    expect(maxBusy).toBeLessThanOrEqual(2);
    expect(maxDeferred).toBe(0);
    expect(maxInFlight).toBe(2);
    expect(c.stats().queueDepth).toBe(0);
  }, 120_000);
});

describe.skipIf(!model)(`${SUITE}: an engine that dies`, () => {
  let engine: LlamaPeer;
  beforeAll(async () => {
    engine = await LlamaPeer.start(bin!, model!, { parallel: 1, ctx: 1024 });
  }, 90_000);
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await engine?.stop();
  });

  test("killed mid-stream: the stream ends with one LLM_STREAM_INTERRUPTED error event after the partial text", async () => {
    const c = client(engine.url);
    const events: StreamEvent[] = [];
    let killed = false;
    for await (const ev of c.stream({ ...LONG, maxTokens: 2000 })) {
      events.push(ev);
      if (ev.type === "delta" && !killed && events.filter((e) => e.type === "delta").length === 3) {
        killed = true;
        await engine.kill();
      }
    }
    expect(killed).toBe(true);
    expect(textOf(events).length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ type: "error", code: "LLM_STREAM_INTERRUPTED" });
    expect(events.filter((e) => e.type === "finish" || e.type === "error").length).toBe(1);
  }, 60_000);

  test("breaker: failures against the dead engine open it (503 at once), the restarted engine closes it again", async () => {
    await engine.restart(); // the previous test killed it; the client's first probe finds it up
    const c = client(engine.url, { failureThreshold: 2, cooldownMs: 500 });
    expect((await c.health()).status).toBe("up");
    await engine.kill();
    for (let i = 0; i < 2; i++) expect((await rejection(c.stream(ASK), 10_000)).code).toBe("LLM_UNAVAILABLE");
    expect(c.stats().backends[0]!.breaker).toBe("open");
    const t0 = performance.now();
    const fast = await rejection(c.stream(ASK), 10_000);
    expect(fast.code).toBe("LLM_UNAVAILABLE");
    expect(fast.retryAfter).toBeGreaterThanOrEqual(1);
    expect(performance.now() - t0).toBeLessThan(200); // no connection attempt while open
    await engine.restart();
    await Bun.sleep(600); // past the cool-down: the next request is the half-open trial
    const events = await collect(c.stream({ ...ASK, maxTokens: 4 }), 60_000);
    expect(events.at(-1)!.type).toBe("finish");
    expect(c.stats().backends[0]!.breaker).toBe("closed");
  }, 120_000);
});
