/**
 * Client-level throughput and latency: the same streams through the inference client (OpenAI SDK, balancing,
 * breaker, admission) and straight to the simulator (raw fetch + hand-written SSE parser), at 1, 64 and 1,024
 * concurrent streams. The simulator runs as a child process (its own core).
 *
 *   npx bun bench/inference-gateway.ts [--tokens 32] [--levels 1,64,1024]
 */
import { createInferenceClient } from "../inference/client/inference-client";
import { command, ensureFetchLimit, percentile, rawStream, spawnSimulator, table, type RawResult } from "./inference-support";

if (!(await ensureFetchLimit())) await main();

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function main() {
  const tokens = Number(flag("tokens", "32"));
  const levels = flag("levels", "1,64,1024").split(",").map(Number);
  const simArgs = ["--max-num-seqs", "2048", "--output-tokens", String(tokens), "--ttft-base-ms", "20", "--itl-base-ms", "10", "--itl-alpha", "0.0005", "--tick-ms", "5"];
  const sim = await spawnSimulator(simArgs);
  const client = createInferenceClient({
    backends: [{ url: sim.url, model: "sim-model", weight: 1 }],
    limits: { maxInFlightPerBackend: 4096, maxQueue: 4096, healthIntervalMs: 0, ttftTimeoutMs: 60_000, totalTimeoutMs: 120_000 },
  });
  const body = {
    model: "sim-model",
    messages: [
      { role: "system", content: "Passages:\n[1] The warranty lasts two years from delivery and covers manufacturing defects." },
      { role: "user", content: "How long does the warranty last?" },
    ],
  };
  const request = {
    messages: [{ role: "user" as const, content: "How long does the warranty last?" }],
    passages: [{ id: "w", text: "The warranty lasts two years from delivery and covers manufacturing defects." }],
  };

  async function viaClient(): Promise<RawResult> {
    const t0 = performance.now();
    let ttftMs = 0;
    let n = 0;
    let ok = false;
    try {
      for await (const ev of client.stream(request)) {
        if (ev.type === "delta") {
          if (n === 0) ttftMs = performance.now() - t0;
          n++;
        } else if (ev.type === "finish") ok = true;
      }
    } catch {
      ok = false;
    }
    return { ttftMs, totalMs: performance.now() - t0, tokens: n, ok };
  }

  async function run(concurrency: number, one: () => Promise<RawResult>) {
    const perWorker = concurrency === 1 ? 30 : concurrency <= 64 ? 5 : 2;
    const results: RawResult[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = 0; i < perWorker; i++) results.push(await one());
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    const ok = results.filter((r) => r.ok);
    return {
      streams: results.length,
      tps: ok.reduce((s, r) => s + r.tokens, 0) / wall,
      p50: percentile(ok.map((r) => r.ttftMs), 50),
      p99: percentile(ok.map((r) => r.ttftMs), 99),
      errors: results.length - ok.length,
    };
  }

  await run(8, () => rawStream(sim.url, body)); // warm-up both paths
  await run(8, viaClient);
  const rows: (string | number)[][] = [];
  for (const c of levels) {
    const raw = await run(c, () => rawStream(sim.url, body));
    const gw = await run(c, viaClient);
    rows.push([c, "direct (fetch + SSE parse)", raw.streams, raw.tps, raw.p50, raw.p99, raw.errors, "1.00"]);
    rows.push([c, "inference client", gw.streams, gw.tps, gw.p50, gw.p99, gw.errors, (gw.tps / raw.tps).toFixed(2)]);
  }
  client.close();
  await sim.kill();
  console.log(`\n## Inference gateway vs direct (${tokens} tokens per answer; simulator: ${simArgs.join(" ")})\n`);
  console.log(table(["concurrent streams", "path", "streams", "tokens/s", "TTFT p50 ms", "TTFT p99 ms", "errors", "tokens/s ratio"], rows));
  console.log(`\ncommand: ${command()}`);
}
