/** Each upstream fault against real simulators over HTTP: failover before the first token, error events after. */
import { describe, expect, test } from "bun:test";
import { AppError } from "../../core/errors";
import { createInferenceClient } from "../../inference/client/inference-client";
import type { InferenceLimits } from "../../inference/client/client-options";
import type { SimulatorInput } from "../../inference/simulator/options";
import { QUESTION, collect, deadUrl, lastOf, rejection, sims, closedAfterEach, textOf, typesOf, waitFor } from "./helpers";

const { open, clients } = closedAfterEach();

/** A faulty first backend (weight 2, so least-outstanding picks it first) and a healthy second one. */
function pair(faulty: SimulatorInput, healthy: SimulatorInput = {}, limits: Partial<InferenceLimits> = {}) {
  const [bad, good] = sims(faulty, healthy);
  open.push(bad!, good!);
  const client = createInferenceClient({
    backends: [
      { url: bad!.url, model: "m", weight: 2 },
      { url: good!.url, model: "m", weight: 1 },
    ],
    limits: { healthIntervalMs: 0, ...limits },
  });
  clients.push(client);
  return { bad: bad!, good: good!, client };
}

const EXPECTED = "The warranty lasts two years from delivery [1].";

describe("inference client failover", () => {
  test("no backend reachable at start: constructs, health says down, stream rejects 503 quickly", async () => {
    const client = createInferenceClient({ backends: [{ url: await deadUrl(), model: "m", weight: 1 }, { url: await deadUrl(), model: "m", weight: 1 }], limits: { healthIntervalMs: 0 } });
    clients.push(client);
    const h = await client.health();
    expect(h.status).toBe("down");
    expect(h.backends.every((b) => b.healthy === false && b.lastError)).toBe(true);
    const t0 = performance.now();
    const err = await rejection(client.stream(QUESTION), 2000);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(503);
    expect(err.code).toBe("LLM_UNAVAILABLE");
    expect(err.retryAfter).toBeGreaterThanOrEqual(1);
    expect(performance.now() - t0).toBeLessThan(1000);
  }, 5000);

  test("connection refused on first use (health not yet probed) fails over", async () => {
    const [good] = sims({});
    open.push(good!);
    const client = createInferenceClient({ backends: [{ url: await deadUrl(), model: "m", weight: 5 }, { url: good!.url, model: "m", weight: 1 }], limits: { healthIntervalMs: 0 } });
    clients.push(client);
    const events = await collect(client.stream(QUESTION));
    expect(textOf(events)).toBe(EXPECTED);
    expect(client.stats().backends[0]!.failures).toBe(1);
  }, 5000);

  test("a backend answering 500 fails over to the second before the first token", async () => {
    const { bad, good, client } = pair({ faults: { errorRate: 1 } });
    const events = await collect(client.stream(QUESTION));
    expect(events[0]).toEqual({ type: "start", model: "m", backend: new URL(good.url).host });
    expect(textOf(events)).toBe(EXPECTED);
    expect(lastOf(events)).toMatchObject({ type: "finish", reason: "stop", usage: { completionTokens: 8 } });
    expect(bad.stats().errors).toBe(1);
    expect(client.stats().backends.map((b) => b.failures)).toEqual([1, 0]);
  }, 5000);

  test("429 fails over without counting against the breaker; all 429 -> AppError 429", async () => {
    const { bad, good, client } = pair({ faults: { rateLimitRate: 1 } }, {}, { failureThreshold: 1 });
    const events = await collect(client.stream(QUESTION));
    expect(textOf(events)).toBe(EXPECTED);
    expect(bad.stats().rateLimited).toBe(1);
    expect(client.stats().backends[0]!.breaker).toBe("closed");
    good.setFaults({ rateLimitRate: 1 });
    const err = await rejection(client.stream(QUESTION));
    expect(err.status).toBe(429);
    expect(err.code).toBe("LLM_OVERLOADED");
    expect(err.retryAfter).toBe(1);
  }, 5000);

  test("a malformed JSON body fails over", async () => {
    const { bad, client } = pair({ faults: { malformedRate: 1 } });
    const events = await collect(client.stream(QUESTION));
    expect(textOf(events)).toBe(EXPECTED);
    expect(bad.stats().malformed).toBe(1);
  }, 5000);

  test("a stall before the first token: first-token timeout, failover, and the stalled slot is freed", async () => {
    const { bad, client } = pair({ faults: { stallRate: 1, stallAfterTokens: 0 } }, {}, { ttftTimeoutMs: 150 });
    const t0 = performance.now();
    const events = await collect(client.stream(QUESTION));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect(textOf(events)).toBe(EXPECTED);
    await waitFor(() => bad.stats().running === 0, 2000, "stalled slot freed");
    expect(bad.stats().aborted).toBe(1);
  }, 5000);

  test("a stall on every backend before the first token -> AppError 503 LLM_TIMEOUT", async () => {
    const { client } = pair({ faults: { stallRate: 1, stallAfterTokens: 0 } }, { faults: { stallRate: 1, stallAfterTokens: 0 } }, { ttftTimeoutMs: 100 });
    const err = await rejection(client.stream(QUESTION));
    expect(err.status).toBe(503);
    expect(err.code).toBe("LLM_TIMEOUT");
  }, 5000);

  test("a stall mid-answer ends with an error event within the total timeout", async () => {
    const { client } = pair({ faults: { stallRate: 1, stallAfterTokens: 3 } }, {}, { totalTimeoutMs: 400, ttftTimeoutMs: 300 });
    const t0 = performance.now();
    const events = await collect(client.stream(QUESTION), 3000);
    const elapsed = performance.now() - t0;
    expect(typesOf(events)).toEqual(["start", "delta", "error"]);
    expect(textOf(events)).toBe("The warranty lasts");
    expect(lastOf(events)).toMatchObject({ type: "error", code: "LLM_TIMEOUT", retryable: false });
    expect(elapsed).toBeGreaterThanOrEqual(395);
    expect(elapsed).toBeLessThan(2000);
  }, 5000);

  test("a connection reset mid-stream ends with an error event after the partial text; a reset before any token fails over", async () => {
    const { bad, client } = pair({ faults: { dropRate: 1, dropAfterTokens: 4 } });
    const events = await collect(client.stream(QUESTION));
    expect(textOf(events)).toBe("The warranty lasts two");
    expect(events.filter((e) => e.type === "finish" || e.type === "error")).toHaveLength(1);
    expect(lastOf(events)).toMatchObject({ type: "error", code: "LLM_STREAM_INTERRUPTED", retryable: false });
    expect(bad.stats().dropped).toBe(1);
    bad.setFaults({ dropAfterTokens: 0 });
    expect(textOf(await collect(client.stream(QUESTION)))).toBe(EXPECTED);
  }, 5000);

  test("generate() collects the text; an error after the first token becomes an AppError", async () => {
    const { bad, client } = pair({});
    expect(await client.generate(QUESTION)).toEqual({ text: EXPECTED, finishReason: "stop" });
    expect(await client.generate({ ...QUESTION, maxTokens: 2 })).toEqual({ text: "The warranty", finishReason: "length" });
    bad.setFaults({ dropRate: 1, dropAfterTokens: 2 });
    const good = open[1]!;
    good.setFaults({ dropRate: 1, dropAfterTokens: 2 });
    const err = await client.generate(QUESTION).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("LLM_STREAM_INTERRUPTED");
    expect(err.retryable).toBe(false);
  }, 5000);

  test("invalid requests are 422 before any network call", async () => {
    const { bad, good, client } = pair({});
    const err = await rejection(client.stream({ messages: [] }));
    expect(err.status).toBe(422);
    expect(err.code).toBe("LLM_BAD_REQUEST");
    expect(bad.stats().requests + good.stats().requests).toBe(0);
  }, 5000);

  test("a prompt over the backend's context window is 413 LLM_CONTEXT_TOO_LONG, not retried elsewhere, no breaker verdict", async () => {
    const { bad, good, client } = pair({ maxModelLen: 64 }, { maxModelLen: 64 });
    const err = await rejection(client.stream({ ...QUESTION, maxTokens: 50 }));
    expect(err.status).toBe(413);
    expect(err.code).toBe("LLM_CONTEXT_TOO_LONG");
    expect(err.message).toMatch(/maximum context length is 64 tokens/);
    expect(bad.stats().requests + good.stats().requests).toBe(1);
    expect(client.stats().backends.map((b) => [b.breaker, b.failures])).toEqual([["closed", 0], ["closed", 0]]);
    expect(lastOf(await collect(client.stream({ ...QUESTION, maxTokens: 8 })))).toMatchObject({ type: "finish" });
  }, 5000);
});
