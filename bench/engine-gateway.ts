/**
 * Gateway overhead against a real engine beside the simulator, same run: the same streams straight to the
 * backend (raw fetch + SSE parse) and through the inference client (OpenAI SDK request, balancing, breaker,
 * admission, SSE reader), against llama.cpp's llama-server serving Gemma 3 270M Q4_K_M (CPU) and against the
 * simulator. Every answer is exactly --tokens tokens (max_tokens on a prompt that never stops early). Direct and
 * gateway rounds alternate, so drift on a shared machine hits both paths alike.
 *
 *   npx bun bench/engine-gateway.ts [--tokens 32] [--levels 1,2] [--answers 8] [--rounds 3] [--engine-bin PATH] [--engine-model PATH]
 */
import { createInferenceClient } from "../inference/client/inference-client";
import { command, percentile, rawStream, spawnSimulator, table, type RawResult } from "./inference-support";
import { enginePaths, spawnEngine } from "./lib/llama-engine";

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const TOKENS = Number(flag("tokens", "32"));
const LEVELS = flag("levels", "1,2").split(",").map(Number);
const ANSWERS = Number(flag("answers", "8"));
const ROUNDS = Number(flag("rounds", "3"));
const PARALLEL = Math.max(...LEVELS);
const progress = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const QUESTION = "Write a long story about a lighthouse keeper and his dog.";
const PASSAGE = "The warranty lasts two years from delivery and covers manufacturing defects.";

async function measure(url: string, model: string) {
  const client = createInferenceClient({
    backends: [{ url, model, weight: 1 }],
    limits: { maxInFlightPerBackend: PARALLEL, maxQueue: 1024, queueTimeoutMs: 600_000, healthIntervalMs: 0, ttftTimeoutMs: 600_000, totalTimeoutMs: 600_000 },
  });
  const request = { messages: [{ role: "user" as const, content: QUESTION }], passages: [{ id: "w", text: PASSAGE }], maxTokens: TOKENS, temperature: 0 };
  // What the client sends for that request (chat-request.ts renders passages as a system message).
  const body = { model, messages: [{ role: "system", content: `Passages:\n[1] ${PASSAGE}` }, { role: "user", content: QUESTION }], max_tokens: TOKENS, temperature: 0 };

  async function viaClient(): Promise<RawResult> {
    const t0 = performance.now();
    let ttftMs = 0;
    let n = 0;
    let ok = false;
    for await (const ev of client.stream(request)) {
      if (ev.type === "delta") {
        if (n === 0) ttftMs = performance.now() - t0;
        n++;
      } else if (ev.type === "finish") ok = true;
    }
    return { ttftMs, totalMs: performance.now() - t0, tokens: n, ok };
  }

  async function level(concurrency: number, one: () => Promise<RawResult>) {
    const results: RawResult[] = [];
    const t0 = performance.now();
    const perWorker = Math.max(1, Math.round(ANSWERS / concurrency));
    await Promise.all(Array.from({ length: concurrency }, async () => {
      // A failed stream is counted as an error, not fatal (llama-server may close an idle kept-alive socket).
      for (let i = 0; i < perWorker; i++) results.push(await one().catch(() => ({ ttftMs: 0, totalMs: 0, tokens: 0, ok: false })));
    }));
    return { wall: (performance.now() - t0) / 1000, results };
  }

  await level(1, () => rawStream(url, body)); // warm-up (prompt cache, connections) for both paths
  await level(1, viaClient);
  const rows: { c: number; path: string; tps: number; p50: number; tokens: number; answers: number; errors: number }[] = [];
  for (const c of LEVELS) {
    const acc = { direct: { tok: 0, wall: 0, ttft: [] as number[], n: 0, err: 0 }, gateway: { tok: 0, wall: 0, ttft: [] as number[], n: 0, err: 0 } };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [path, one] of [["direct", () => rawStream(url, body)], ["gateway", viaClient]] as const) {
        const { wall, results } = await level(c, one);
        const ok = results.filter((x) => x.ok);
        const a = acc[path];
        a.tok += ok.reduce((s, x) => s + x.tokens, 0);
        a.wall += wall;
        a.ttft.push(...ok.map((x) => x.ttftMs));
        a.n += ok.length;
        a.err += results.length - ok.length;
      }
      progress(`${model}: ${c} concurrent, round ${r + 1}/${ROUNDS}`);
    }
    for (const path of ["direct", "gateway"] as const) {
      const a = acc[path];
      rows.push({ c, path, tps: a.tok / a.wall, p50: percentile(a.ttft, 50), tokens: a.n ? a.tok / a.n : 0, answers: a.n, errors: a.err });
    }
  }
  client.close();
  return rows;
}

const { bin, model } = enginePaths(process.argv);
const out: (string | number)[][] = [];
const backends: [string, () => Promise<{ url: string; kill(): Promise<void> }>, string][] = [
  ["llama-server, Gemma 3 270M Q4_K_M (CPU)", () => spawnEngine(bin, model, { parallel: PARALLEL, ctx: 1024 * PARALLEL, threads: 2 }), "gemma-3-270m"],
  ["simulator (vLLM-like timing)", () => spawnSimulator(["--max-num-seqs", String(PARALLEL), "--output-tokens", String(TOKENS), "--ttft-base-ms", "20", "--itl-base-ms", "10"]), "sim-model"],
];
for (const [name, start, m] of backends) {
  progress(`starting ${name}`);
  const b = await start();
  const rows = await measure(b.url, m);
  await b.kill();
  for (const c of LEVELS) {
    const d = rows.find((r) => r.c === c && r.path === "direct")!;
    const g = rows.find((r) => r.c === c && r.path === "gateway")!;
    out.push([name, c, "direct", d.answers, d.tokens, d.tps, d.p50, d.errors, "1.00", "1.00"]);
    out.push([name, c, "inference client", g.answers, g.tokens, g.tps, g.p50, g.errors, (g.tps / d.tps).toFixed(2), (g.p50 / d.p50).toFixed(2)]);
  }
}
console.log(`\n## Gateway overhead: real engine beside the simulator (${TOKENS} tokens per answer, ${ROUNDS} alternating rounds per level)\n`);
console.log(table(["backend", "concurrent", "path", "answers", "tokens/answer", "tokens/s", "TTFT p50 ms", "errors", "tokens/s ratio", "TTFT ratio"], out));
console.log(`\ncommand: ${command()}`);
