/** Circuit breakers, health, balancing and metrics of the inference client against real simulators. */
import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { createInferenceClient } from "../../inference/client/inference-client";
import { createInferenceMetrics } from "../../inference/metrics";
import { QUESTION, collect, rejection, sims, closedAfterEach, textOf, waitFor } from "./helpers";

const { open, clients } = closedAfterEach();

describe("inference client breakers", () => {
  test("all breakers open -> 503 with Retry-After at once; recovery after the cool-down via half-open", async () => {
    const [a, b] = sims({ faults: { errorRate: 1 } }, { faults: { errorRate: 1 } });
    open.push(a!, b!);
    const registry = new Registry();
    const client = createInferenceClient({
      backends: [{ url: a!.url, model: "m", weight: 1 }, { url: b!.url, model: "m", weight: 1 }],
      metrics: createInferenceMetrics(registry),
      limits: { healthIntervalMs: 0, failureThreshold: 2, cooldownMs: 400 },
    });
    clients.push(client);
    for (let i = 0; i < 2; i++) expect((await rejection(client.stream(QUESTION))).code).toBe("LLM_UNAVAILABLE");
    expect(client.stats().backends.map((x) => x.breaker)).toEqual(["open", "open"]);
    const requestsBefore = a!.stats().requests + b!.stats().requests;
    const t0 = performance.now();
    const err = await rejection(client.stream(QUESTION));
    expect(performance.now() - t0).toBeLessThan(100);
    expect(err.status).toBe(503);
    expect(err.code).toBe("LLM_UNAVAILABLE");
    expect(err.retryAfter).toBe(1);
    expect(a!.stats().requests + b!.stats().requests).toBe(requestsBefore); // shed without touching a backend
    expect((await client.health()).status).toBe("down");
    expect(await registry.getSingleMetricAsString("llm_backend_breaker_state")).toContain(`backend="${new URL(a!.url).host}"} 2`);

    a!.setFaults({ errorRate: 0 });
    b!.setFaults({ errorRate: 0 });
    await waitFor(() => client.stats().backends.every((x) => x.breaker === "half_open"), 2000, "half-open");
    const events = await collect(client.stream(QUESTION));
    expect(textOf(events)).toContain("[1]");
    const states = client.stats().backends.map((x) => x.breaker).sort();
    expect(states).toEqual(["closed", "half_open"]); // the trial closed one breaker
    expect((await client.health()).status).toBe("degraded");
  }, 5000);

  test("a failed half-open trial re-opens the breaker", async () => {
    const [a] = sims({ faults: { errorRate: 1 } });
    open.push(a!);
    const client = createInferenceClient({ backends: [{ url: a!.url, model: "m", weight: 1 }], limits: { healthIntervalMs: 0, failureThreshold: 1, cooldownMs: 150 } });
    clients.push(client);
    await rejection(client.stream(QUESTION));
    expect(client.stats().backends[0]!.breaker).toBe("open");
    await waitFor(() => client.stats().backends[0]!.breaker === "half_open", 2000, "half-open");
    const before = a!.stats().requests;
    expect((await rejection(client.stream(QUESTION))).code).toBe("LLM_UNAVAILABLE");
    expect(a!.stats().requests).toBe(before + 1); // exactly one trial request
    expect(client.stats().backends[0]!.breaker).toBe("open");
  }, 5000);

  test("health probing marks a stopped backend down and routes around it", async () => {
    const [a, b] = sims({}, {});
    open.push(b!);
    const client = createInferenceClient({ backends: [{ url: a!.url, model: "m", weight: 1 }, { url: b!.url, model: "m", weight: 1 }], limits: { healthIntervalMs: 30 } });
    clients.push(client);
    await waitFor(() => client.stats().backends.every((x) => x.healthy === true), 2000, "both healthy");
    await a!.stop();
    await waitFor(() => client.stats().backends[0]!.healthy === false, 2000, "a down");
    const before = b!.stats().requests;
    for (let i = 0; i < 3; i++) expect(textOf(await collect(client.stream(QUESTION)))).toContain("[1]");
    expect(b!.stats().requests - before).toBe(3);
    expect(client.stats().backends[0]!.failures).toBe(0); // never tried: health kept it out
    expect((await client.health()).status).toBe("degraded");
  }, 5000);

  test("weighted least-outstanding balancing spreads concurrent streams by weight", async () => {
    const [a, b] = sims({ outputTokens: 30 }, { outputTokens: 30 });
    open.push(a!, b!);
    const client = createInferenceClient({ backends: [{ url: a!.url, model: "m", weight: 3 }, { url: b!.url, model: "m", weight: 1 }], limits: { healthIntervalMs: 0 } });
    clients.push(client);
    await Promise.all(Array.from({ length: 40 }, () => collect(client.stream(QUESTION))));
    expect(a!.stats().requests).toBe(30);
    expect(b!.stats().requests).toBe(10);
  }, 5000);

  test("metrics: TTFT, ITL, tokens, outcomes and failovers land in the injected registry", async () => {
    const [a, b] = sims({ faults: { errorRate: 1 } }, {});
    open.push(a!, b!);
    const registry = new Registry();
    const client = createInferenceClient({ backends: [{ url: a!.url, model: "m", weight: 2 }, { url: b!.url, model: "m", weight: 1 }], metrics: createInferenceMetrics(registry), limits: { healthIntervalMs: 0 } });
    clients.push(client);
    await collect(client.stream(QUESTION));
    const text = await registry.metrics();
    const hostB = new URL(b!.url).host;
    const hostA = new URL(a!.url).host;
    expect(text).toContain(`llm_time_to_first_token_seconds_count{backend="${hostB}"} 1`);
    expect(text).toContain(`llm_inter_token_latency_seconds_count{backend="${hostB}"} 7`);
    expect(text).toContain(`llm_completion_tokens_total{backend="${hostB}"} 8`);
    expect(text).toMatch(new RegExp(`llm_prompt_tokens_total\\{backend="${hostB}"\\} \\d+`));
    expect(text).toContain(`llm_failovers_total{backend="${hostA}",reason="server_error"} 1`);
    expect(text).toContain(`llm_requests_total{outcome="ok"} 1`);
    expect(text).toContain(`llm_backend_in_flight_requests{backend="${hostB}"} 0`);
    expect(text).toContain("llm_admission_queue_depth 0");
    expect(createInferenceMetrics(registry)).toBe(createInferenceMetrics(registry)); // shareable registry
  }, 5000);
});

describe("inference client recovery without periodic probes", () => {
  test("a backend that was down at start-up is re-probed and used once it is up", async () => {
    const [sim] = sims({});
    const port = sim!.port;
    const url = sim!.url;
    await sim!.stop();
    const client = createInferenceClient({ backends: [{ url, model: "m", weight: 1 }], limits: { healthIntervalMs: 0 } });
    clients.push(client);
    expect((await client.health()).status).toBe("down");
    const revived = sims({ port });
    open.push(revived[0]!);
    await Bun.sleep(1000); // the down mark is older than the re-probe interval (1 s without periodic probes)
    expect((await rejection(client.stream(QUESTION))).code).toBe("LLM_UNAVAILABLE"); // triggers the re-probe
    await waitFor(() => client.stats().backends[0]!.healthy === true, 2000, "re-probed healthy");
    expect(textOf(await collect(client.stream(QUESTION)))).toContain("[1]");
  }, 5000);
});
