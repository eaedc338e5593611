/**
 * Fault behaviour of the inference client, measured against simulator child processes:
 *  1. failover: 500 streams over two simulators; one is killed (SIGKILL) mid-run. Streams on it end with an
 *     error event, new requests succeed on the other, and its breaker opens after a few connect failures.
 *  2. load shedding: offered load of 3x the measured capacity of one simulator; share served, share shed
 *     (429 queue full / queue wait, 503), and latency of what was served.
 *
 *   npx bun bench/inference-faults.ts
 */
import { Registry } from "prom-client";
import { isAppError } from "../core/errors";
import { createInferenceClient, type InferenceClient } from "../inference/client/inference-client";
import { createInferenceMetrics } from "../inference/metrics";
import { command, ensureFetchLimit, percentile, spawnSimulator, table } from "./inference-support";

const REQUEST = {
  messages: [{ role: "user" as const, content: "How long does the warranty last?" }],
  passages: [{ id: "w", text: "The warranty lasts two years from delivery and covers manufacturing defects." }],
};

interface Outcome {
  startedAt: number;
  endedAt: number;
  ttftMs: number;
  backend?: string;
  tokens: number;
  result: "ok" | "error_event" | string; // or the AppError code thrown before the first token
}

async function one(client: InferenceClient, t0: number): Promise<Outcome> {
  const startedAt = performance.now() - t0;
  const o: Outcome = { startedAt, endedAt: 0, ttftMs: 0, tokens: 0, result: "ok" };
  try {
    for await (const ev of client.stream(REQUEST)) {
      if (ev.type === "start") o.backend = ev.backend;
      else if (ev.type === "delta") {
        if (o.tokens++ === 0) o.ttftMs = performance.now() - t0 - startedAt;
      } else if (ev.type === "error") o.result = "error_event";
    }
  } catch (e) {
    o.result = isAppError(e) ? e.code : "exception";
  }
  o.endedAt = performance.now() - t0;
  return o;
}

async function failover() {
  const args = ["--max-num-seqs", "1024", "--output-tokens", "30", "--ttft-base-ms", "20", "--itl-base-ms", "50", "--itl-alpha", "0.0005"];
  const [a, b] = [await spawnSimulator(args), await spawnSimulator(args)];
  const registry = new Registry();
  const metrics = createInferenceMetrics(registry);
  const hostA = new URL(a.url).host;
  let openedAt = Number.NaN;
  const t0 = performance.now();
  const client = createInferenceClient({
    backends: [{ url: a.url, model: "sim-model", weight: 1 }, { url: b.url, model: "sim-model", weight: 1 }],
    metrics: {
      ...metrics,
      breakerState(backend, state) {
        metrics.breakerState(backend, state); // and note when the killed backend's breaker opens
        if (state === "open" && backend === hostA && Number.isNaN(openedAt)) openedAt = performance.now() - t0;
      },
    },
    limits: { maxInFlightPerBackend: 1024, maxQueue: 1024, failureThreshold: 3, cooldownMs: 60_000, healthIntervalMs: 250, ttftTimeoutMs: 5000 },
  });
  let killAt = Number.NaN;
  let downAt = Number.NaN;
  const watch = setInterval(() => {
    const s = client.stats().backends[0]!;
    if (Number.isNaN(downAt) && s.healthy === false) downAt = performance.now() - t0;
  }, 1);
  const killer = Bun.sleep(1000).then(() => {
    killAt = performance.now() - t0;
    return a.kill("SIGKILL");
  });
  const pending: Promise<Outcome>[] = [];
  for (let i = 0; i < 500; i++) {
    pending.push(one(client, t0));
    if (i % 5 === 4) await Bun.sleep(10); // about 500 streams/s: 250 in the first ~0.5 s ...
    if (i === 250) await killer; // ... then the kill at ~1 s, then the other 250
  }
  const outcomes = await Promise.all(pending);
  clearInterval(watch);
  const failovers = (await registry.getMetricsAsJSON()).find((m) => m.name === "llm_failovers_total")?.values ?? [];
  const failoversFromA = failovers.filter((v) => v.labels.backend === hostA).reduce((sum, v) => sum + v.value, 0);
  client.close();
  await b.kill();

  const onA = outcomes.filter((o) => o.backend === hostA && o.startedAt < killAt);
  const cutOnA = onA.filter((o) => o.endedAt >= killAt);
  const after = outcomes.filter((o) => o.startedAt >= killAt);
  const rows: (string | number)[][] = [
    ["streams", outcomes.length],
    ["kill at (ms after start)", killAt],
    ["streams on the killed simulator still running at the kill", cutOnA.length],
    ["… of those ended with an error event (partial text kept)", cutOnA.filter((o) => o.result === "error_event").length],
    ["… of those completed anyway (finished during the kill)", cutOnA.filter((o) => o.result === "ok").length],
    ["… mean tokens received before the error", cutOnA.length ? cutOnA.reduce((s, o) => s + o.tokens, 0) / cutOnA.length : 0],
    ["requests started after the kill", after.length],
    ["… served completely by the surviving simulator", after.filter((o) => o.result === "ok").length],
    ["… failed", after.filter((o) => o.result !== "ok").length],
    ["requests failed over from the killed backend before their first token", failoversFromA],
    ["ms from kill to breaker open", openedAt - killAt],
    ["ms from kill to health probe marking it down (first 1 ms poll that saw it)", downAt - killAt],
    ["thrown before first token (all streams)", outcomes.filter((o) => o.result !== "ok" && o.result !== "error_event").length],
  ];
  console.log("\n## Failover: 500 streams over two simulators (30 tokens, about 1.7 s each), one killed (SIGKILL) at t≈1 s\n");
  console.log(table(["measure", "value"], rows));
}

async function shedding() {
  const sim = await spawnSimulator(["--max-num-seqs", "64", "--output-tokens", "50", "--ttft-base-ms", "20", "--itl-base-ms", "10", "--itl-alpha", "0.002"]);
  const client = createInferenceClient({
    backends: [{ url: sim.url, model: "sim-model", weight: 1 }],
    limits: { maxInFlightPerBackend: 64, maxQueue: 64, queueTimeoutMs: 500, healthIntervalMs: 0 },
  });
  // Capacity: a closed loop of 64 workers for 2 s.
  let served = 0;
  const capEnd = performance.now() + 2000;
  const c0 = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < capEnd) if ((await one(client, c0)).result === "ok") served++;
    }),
  );
  const capacity = served / ((performance.now() - c0) / 1000);
  const offered = capacity * 3;
  const seconds = 4;
  const t0 = performance.now();
  const pending: Promise<Outcome>[] = [];
  const total = Math.round(offered * seconds);
  for (let i = 0; i < total; i++) {
    const due = (i / offered) * 1000;
    const wait = due - (performance.now() - t0);
    if (wait > 1) await Bun.sleep(wait);
    pending.push(one(client, t0));
  }
  const outcomes = await Promise.all(pending);
  client.close();
  await sim.kill();
  const ok = outcomes.filter((o) => o.result === "ok");
  const shed429 = outcomes.filter((o) => o.result === "LLM_OVERLOADED");
  const shed503 = outcomes.filter((o) => o.result === "LLM_UNAVAILABLE" || o.result === "LLM_TIMEOUT");
  const pct = (n: number) => `${((100 * n) / outcomes.length).toFixed(1)} %`;
  console.log(`\n## Load shedding: one simulator (max_num_seqs 64), client cap 64 in flight + queue 64 (500 ms wait), ${seconds} s at 3x capacity\n`);
  console.log(
    table(
      ["capacity req/s", "offered req/s", "requests", "served", "shed 429", "… of which at once (queue full)", "shed 503", "other errors", "served TTFT p50 ms", "served TTFT p99 ms", "served total p99 ms", "shed answer p99 ms"],
      [
        [
          capacity,
          offered,
          outcomes.length,
          pct(ok.length),
          pct(shed429.length),
          pct(shed429.filter((o) => o.endedAt - o.startedAt < 50).length),
          pct(shed503.length),
          pct(outcomes.length - ok.length - shed429.length - shed503.length),
          percentile(ok.map((o) => o.ttftMs), 50),
          percentile(ok.map((o) => o.ttftMs), 99),
          percentile(ok.map((o) => o.endedAt - o.startedAt), 99),
          percentile([...shed429, ...shed503].map((o) => o.endedAt - o.startedAt), 99),
        ],
      ],
    ),
  );
}

async function main() {
  await failover();
  await shedding();
  console.log(`\ncommand: ${command()}`);
}

if (!(await ensureFetchLimit())) await main();
