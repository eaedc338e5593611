/** The admission queue and aborts of the inference client against a real simulator. */
import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import type { StreamEvent } from "../../core/ports/language-model";
import { createInferenceClient } from "../../inference/client/inference-client";
import type { InferenceLimits } from "../../inference/client/client-options";
import { createInferenceMetrics } from "../../inference/metrics";
import { LONG, QUESTION, collect, lastOf, rejection, sims, closedAfterEach, waitFor } from "./helpers";

const { open, clients } = closedAfterEach();

/** One simulator whose answers are 400 tokens at 5 ms each (about 2 s), and a client capped at one in flight. */
function setup(limits: Partial<InferenceLimits> = {}) {
  const [sim] = sims({ outputTokens: 400, itlBaseMs: 5 });
  open.push(sim!);
  const registry = new Registry();
  const client = createInferenceClient({
    backends: [{ url: sim!.url, model: "m", weight: 1 }],
    metrics: createInferenceMetrics(registry),
    limits: { healthIntervalMs: 0, maxInFlightPerBackend: 1, maxQueue: 1, queueTimeoutMs: 3000, ...limits },
  });
  clients.push(client);
  return { sim: sim!, client, registry };
}

describe("inference client admission and aborts", () => {
  test("queue full -> 429 LLM_OVERLOADED with Retry-After; the queued request runs when the slot frees", async () => {
    const { sim, client, registry } = setup();
    const ac = new AbortController();
    const first = client.stream(LONG, ac.signal)[Symbol.asyncIterator]();
    expect((await first.next()).value?.type).toBe("start"); // holds the only slot
    const queued = collect(client.stream(QUESTION), 4000);
    await waitFor(() => client.stats().queueDepth === 1, 1000, "one queued");
    expect(await registry.getSingleMetricAsString("llm_admission_queue_depth")).toContain("llm_admission_queue_depth 1");
    const err = await rejection(client.stream(QUESTION));
    expect(err.status).toBe(429);
    expect(err.code).toBe("LLM_OVERLOADED");
    expect(err.retryAfter).toBeGreaterThanOrEqual(1);
    ac.abort();
    const rest = await collect({ [Symbol.asyncIterator]: () => first });
    expect(lastOf(rest)).toEqual({ type: "finish", reason: "abort" });
    const events = await queued;
    expect(lastOf(events)).toMatchObject({ type: "finish", reason: "stop" });
    expect(client.stats().queueDepth).toBe(0);
    expect(sim.stats().maxRunningSeen).toBe(1);
  }, 8000);

  test("a queued request waits at most queueTimeoutMs, then 429", async () => {
    const { client } = setup({ queueTimeoutMs: 100 });
    const ac = new AbortController();
    const first = client.stream(LONG, ac.signal)[Symbol.asyncIterator]();
    await first.next();
    const t0 = performance.now();
    const err = await rejection(client.stream(QUESTION));
    expect(err.code).toBe("LLM_OVERLOADED");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    ac.abort();
    await first.next();
  }, 5000);

  test("the caller's abort cancels the upstream request: the simulator frees the slot", async () => {
    const { sim, client, registry } = setup();
    const ac = new AbortController();
    const events: StreamEvent[] = [];
    for await (const ev of client.stream(LONG, ac.signal)) {
      events.push(ev);
      if (events.length === 4) ac.abort();
    }
    expect(events.length).toBeGreaterThanOrEqual(5);
    expect(lastOf(events)).toEqual({ type: "finish", reason: "abort" });
    expect(events.filter((e) => e.type === "finish" || e.type === "error")).toHaveLength(1);
    await waitFor(() => sim.stats().running === 0, 2000, "simulator slot freed");
    expect(sim.stats().aborted).toBe(1);
    expect(client.stats().backends[0]!.inFlight).toBe(0);
    expect(client.stats().backends[0]!.breaker).toBe("closed");
    expect(await registry.getSingleMetricAsString("llm_aborted_requests_total")).toContain("llm_aborted_requests_total 1");
  }, 5000);

  test("leaving the loop early (break) also frees the slot", async () => {
    const { sim, client } = setup();
    let n = 0;
    for await (const ev of client.stream(LONG)) if (ev.type === "delta" && ++n === 3) break;
    await waitFor(() => sim.stats().running === 0, 2000, "simulator slot freed");
    expect(client.stats().backends[0]!.inFlight).toBe(0);
  }, 5000);

  test("an already-aborted signal, or an abort while queued, ends with finish(abort)", async () => {
    const { sim, client } = setup();
    const done = new AbortController();
    done.abort();
    expect(await collect(client.stream(QUESTION, done.signal))).toEqual([{ type: "finish", reason: "abort" }]);
    const holder = new AbortController();
    const first = client.stream(LONG, holder.signal)[Symbol.asyncIterator]();
    await first.next();
    const waiting = new AbortController();
    const queued = collect(client.stream(QUESTION, waiting.signal));
    await waitFor(() => client.stats().queueDepth === 1, 1000, "queued");
    waiting.abort();
    expect(await queued).toEqual([{ type: "finish", reason: "abort" }]);
    expect(client.stats().queueDepth).toBe(0);
    holder.abort();
    await first.next();
    await waitFor(() => sim.stats().running === 0, 2000, "freed");
  }, 5000);
});
