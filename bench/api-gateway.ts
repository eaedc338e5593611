/**
 * The API tier with the inference gateway, end to end over real HTTP. The API runs as its own process
 * (createServices + createApp + listen, like api/server.ts, with LLM_BASE_URLS -> simulator child processes;
 * the gateway limits are passed explicitly because no environment variable sets them yet), sample knowledge
 * base loaded, every request a different question from bench/data/sample-kb-questions.json.
 *  1. overhead: streamed POST /v1/chat/completions through the API (understand, retrieve, rerank, assemble,
 *     prompt, gateway, citation mapping, SSE) vs the same questions straight to the simulator with the prompt the
 *     API builds for each, same run, at 1, 64 and 1,024 concurrent streams, in a vLLM-like ("overhead") and a
 *     stress ("overhead-stress") simulator setting, several rounds per level: tokens/s (answers x tokens per
 *     answer / wall time) and TTFT;
 *  2. 10,000 concurrent SSE streams through one API process: none dropped; peak open streams, RSS and CPU;
 *  3. failover: 500 streams over two simulators, one killed mid-answer (SIGKILL);
 *  4. load shedding: open-loop arrivals at 1x and 3x the backend's capacity.
 *
 *   npx bun bench/api-gateway.ts [--only overhead,overhead-stress,streams10k,failover,shedding] [--levels 1,64,1024] [--rounds 3]
 *                                [--per-worker N (answers each concurrent stream asks in turn; default 20 / 5 / 1)]
 *                                [--streams 10000] [--database-url postgres://... (an empty database for the API)]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSse } from "../core/text/sse-reader";
import { command, ensureFetchLimit, percentile, spawnSimulator, sseData, table, type SpawnedSimulator } from "./inference-support";

const QUESTIONS: string[] = (await Bun.file(join(import.meta.dir, "data/sample-kb-questions.json")).json()).map((q: { question: string }) => q.question);
let qi = 0;
const nextQuestion = () => QUESTIONS[qi++ % QUESTIONS.length]!;
const FETCH_LIMIT = 24_000;
/** --database-url: run the API on PostgreSQL (an empty database of its own) instead of the embedded PGlite. */
const DATABASE_URL = (() => {
  const i = process.argv.indexOf("--database-url");
  return i > 0 ? process.argv[i + 1] : undefined;
})();

/** Child processes of this run, killed on the way out (also on Ctrl-C) so none is left behind. */
const children = new Set<{ kill(signal?: number | NodeJS.Signals): void }>();
const killChildren = () => children.forEach((c) => c.kill("SIGKILL"));
const progress = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function simulator(args: string[]): Promise<SpawnedSimulator> {
  const s = await spawnSimulator(args);
  children.add(s.proc);
  return s;
}

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};

// ---------------------------------------------------------------------------------------------------------
// The API child process
// ---------------------------------------------------------------------------------------------------------

interface ApiProcess {
  base: string;
  /** answer_stage_duration_seconds sum and count per stage, from the API's /metrics. */
  stages(): Promise<Record<string, { sum: number; count: number }>>;
  kill(): Promise<void>;
  usage(): Promise<{ rssMb: number; cpuSeconds: number; fds: number; maxFds: number }>;
}

/** The customer-role access token the API child printed (every API request carries it, as a widget's would). */
let AUTH: Record<string, string> = {};

async function spawnApi(dataDir: string, sims: SpawnedSimulator[], limits: Record<string, number>, sampleKb = true): Promise<ApiProcess> {
  // BENCH_API_FLAGS: extra bun flags for the API process, e.g. "--cpu-prof-md --cpu-prof-dir=bench/out/prof".
  const extra = (process.env.BENCH_API_FLAGS ?? "").split(" ").filter(Boolean);
  const proc = Bun.spawn([process.execPath, ...extra, "run", import.meta.path, "--serve-api", JSON.stringify(limits)], {
    env: { ...process.env, ...(DATABASE_URL ? { DATABASE_URL } : {}), DATA_DIR: dataDir, SAMPLE_KB: String(sampleKb), LLM_BASE_URLS: sims.map((s) => `${s.url}|sim-model`).join(","), BUN_CONFIG_MAX_HTTP_REQUESTS: String(FETCH_LIMIT) },
    stdout: "pipe",
    stderr: "ignore",
  });
  children.add(proc);
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  const deadline = Date.now() + 300_000;
  while (!/api listening on (\S+) token (\S+)\n/.test(out)) {
    if (Date.now() > deadline) throw new Error(`the API did not start: ${out}`);
    const { done, value } = await reader.read();
    if (done) throw new Error(`the API exited: ${out}`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const [, base, token] = /api listening on (\S+) token (\S+)\n/.exec(out)! as unknown as [string, string, string];
  AUTH = { authorization: `Bearer ${token}` };
  return {
    base,
    kill: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
    stages: async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const out: Record<string, { sum: number; count: number }> = {};
      for (const m of text.matchAll(/^answer_stage_duration_seconds_(sum|count)\{stage="([^"]+)"\} (\S+)/gm)) {
        const e = (out[m[2]!] ??= { sum: 0, count: 0 });
        e[m[1] as "sum" | "count"] = Number(m[3]);
      }
      return out;
    },
    usage: async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const num = (name: string) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? Number.NaN);
      return { rssMb: num("process_resident_memory_bytes") / 1024 / 1024, cpuSeconds: num("process_cpu_seconds_total"), fds: num("process_open_fds"), maxFds: num("process_max_fds") };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// One streamed chat completion (OpenAI wire format), to the API or to the simulator
// ---------------------------------------------------------------------------------------------------------

interface StreamResult {
  status: number;
  startedAt: number;
  ttftMs: number;
  totalMs: number;
  chunks: number;
  /** "done" ([DONE] after a finish), "error" (an error chunk or a reset), or the HTTP status / error code. */
  result: string;
  openAt?: number;
}

function apiBody(): object {
  return { model: "x", stream: true, messages: [{ role: "user", content: nextQuestion() }] };
}

/**
 * The direct path sends, for each question, exactly the prompt the API builds for it (same passages, same
 * template), so both paths ask the simulator for the same work; filled by apiPrompts() before the runs. Questions
 * the API's grounding gate declines before generation (they never reach the model) are left out of every run,
 * so both paths stream the same answers.
 */
const DIRECT_PROMPTS = new Map<string, { role: string; content: string }[]>();

async function apiPrompts(dataDir: string): Promise<void> {
  const { loadConfig } = await import("../core/config");
  const { createServices } = await import("../api/services");
  const { newContext } = await import("../api/pipeline/stage");
  const { buildAnswerPrompt } = await import("../api/pipeline/prompt-template");
  const { DEFAULT_MIN_GROUNDING, groundingCoverage } = await import("../api/pipeline/stages/ground");
  const services = await createServices(loadConfig({ DATA_DIR: dataDir, ...(DATABASE_URL ? { DATABASE_URL } : {}) }), { sampleKb: false, log: () => {} });
  try {
    const reaching: string[] = [];
    for (const question of QUESTIONS) {
      const ctx = newContext({ tenantId: services.config.defaultTenant, content: question });
      await services.answerPipeline.prepare(ctx);
      const standalone = ctx.understanding?.question ?? question;
      if (groundingCoverage(standalone, ctx.passages).coverage < DEFAULT_MIN_GROUNDING) continue;
      reaching.push(question);
      const built = buildAnswerPrompt({ tenantId: ctx.tenantId, question: standalone, passages: ctx.passages, history: [] });
      DIRECT_PROMPTS.set(question, built.messages);
    }
    progress(`${reaching.length} of ${QUESTIONS.length} questions reach the model (the others are declined by the grounding gate and left out)`);
    QUESTIONS.splice(0, QUESTIONS.length, ...reaching);
  } finally {
    await services.close();
  }
}

function directBody(): object {
  const question = nextQuestion();
  const messages = DIRECT_PROMPTS.get(question);
  if (!messages) throw new Error(`no prompt built for "${question}"`);
  return { model: "sim-model", stream: true, max_tokens: 512, temperature: 0.2, messages };
}

async function streamOnce(url: string, body: object, t0: number, onOpen?: () => void, onFirstToken?: () => void): Promise<StreamResult> {
  const startedAt = performance.now();
  const r: StreamResult = { status: 0, startedAt: startedAt - t0, ttftMs: Number.NaN, totalMs: 0, chunks: 0, result: "error" };
  try {
    const res = await fetch(`${url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...AUTH }, body: JSON.stringify(body), signal: AbortSignal.timeout(180_000) });
    r.status = res.status;
    if (res.status !== 200 || !res.body) {
      r.result = String(res.status);
      await res.body?.cancel();
      return r;
    }
    onOpen?.();
    r.openAt = performance.now() - t0;
    let finished = false;
    let errored = false;
    let done = false;
    for await (const data of sseData(res.body)) {
      if (data === "[DONE]") {
        done = true;
        continue;
      }
      const json = JSON.parse(data) as { error?: unknown; choices?: { delta?: { content?: string }; finish_reason?: string | null }[] };
      if (json.error) errored = true;
      const choice = json.choices?.[0];
      if (choice?.delta?.content) {
        if (r.chunks++ === 0) {
          r.ttftMs = performance.now() - startedAt;
          onFirstToken?.();
        }
      }
      if (choice?.finish_reason) finished = true;
    }
    r.result = errored || !finished || !done ? "error" : "done";
  } catch {
    r.result = "error";
  } finally {
    r.totalMs = performance.now() - startedAt;
  }
  return r;
}

/**
 * One answer in a new conversation: POST /v1/conversations, then POST .../messages/stream (timed from there, as a
 * customer opens the conversation once): TTFT is the first `delta` event, "done" a `done` event with status
 * complete.
 */
async function conversationOnce(base: string, question: string, t0: number): Promise<StreamResult> {
  const r: StreamResult = { status: 0, startedAt: performance.now() - t0, ttftMs: Number.NaN, totalMs: 0, chunks: 0, result: "error" };
  let startedAt = performance.now();
  try {
    const created = await fetch(`${base}/v1/conversations`, { method: "POST", headers: { "content-type": "application/json", ...AUTH }, body: "{}" });
    if (created.status !== 201 && created.status !== 200) {
      r.result = String(created.status);
      await created.body?.cancel();
      return r;
    }
    const { id } = (await created.json()) as { id: string };
    startedAt = performance.now();
    const res = await fetch(`${base}/v1/conversations/${id}/messages/stream`, { method: "POST", headers: { "content-type": "application/json", ...AUTH }, body: JSON.stringify({ content: question }), signal: AbortSignal.timeout(180_000) });
    r.status = res.status;
    if (res.status !== 200 || !res.body) {
      r.result = String(res.status);
      await res.body?.cancel();
      return r;
    }
    for await (const m of readSse(res.body)) {
      if (m.comment !== undefined) continue;
      if (m.event === "delta" && r.chunks++ === 0) r.ttftMs = performance.now() - startedAt;
      if (m.event === "done") r.result = (JSON.parse(m.data) as { status?: string }).status === "complete" ? "done" : "error";
      if (m.event === "error") r.result = "error";
    }
  } catch {
    r.result = "error";
  } finally {
    r.totalMs = performance.now() - startedAt;
  }
  return r;
}

const pct = (xs: number[], p: number) => percentile(xs.filter((x) => Number.isFinite(x)), p);
const ms = (x: number) => Math.round(x * 10) / 10;
const signed = (x: number) => `${x >= 0 ? "+" : ""}${ms(x)}`;
const share = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;

// ---------------------------------------------------------------------------------------------------------
// The scenarios
// ---------------------------------------------------------------------------------------------------------

const STAGES = ["understand", "retrieve", "rerank", "assemble", "firstDelta"];

/**
 * Two simulator settings: "gpu" is the simulator's defaults (a vLLM-like GPU: 256 sequences at once, the rest
 * queued, inter-token latency growing with the batch, prefill time per prompt token) with 128-token answers;
 * "stress" is an unbounded, flat-latency backend (4,096 sequences, 10 ms per token whatever the batch) with
 * 32-token answers, which asks more tokens per second of this 2-core machine than it can serve and so shows
 * where the API process itself saturates.
 */
const OVERHEAD_SETTINGS = {
  gpu: { tokens: 128, simArgs: [] as string[] },
  stress: { tokens: 32, simArgs: ["--max-num-seqs", "4096", "--ttft-base-ms", "20", "--prefill-ms-per-token", "0", "--itl-base-ms", "10", "--itl-alpha", "0.0005"] },
};

async function overhead(dataDir: string, setting: keyof typeof OVERHEAD_SETTINGS) {
  const tokens = OVERHEAD_SETTINGS[setting].tokens;
  const simArgs = [...OVERHEAD_SETTINGS[setting].simArgs, "--output-tokens", String(tokens)];
  const sim = await simulator(simArgs);
  const limits = { maxInFlightPerBackend: 4096, maxQueue: 4096, healthIntervalMs: 5000, ttftTimeoutMs: 60_000, totalTimeoutMs: 120_000 };
  const api = await spawnApi(dataDir, [sim], limits);
  const run = async (concurrency: number, once: (t0: number) => Promise<StreamResult>) => {
    const perWorker = Number(flag("per-worker", "0")) || (concurrency === 1 ? 20 : concurrency <= 64 ? 5 : 1);
    const results: StreamResult[] = [];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perWorker; i++) results.push(await once(t0));
    }));
    const wall = (performance.now() - t0) / 1000;
    const ok = results.filter((r) => r.result === "done");
    return { streams: results.length, tps: (ok.length * tokens) / wall, p50: pct(ok.map((r) => r.ttftMs), 50), p99: pct(ok.map((r) => r.ttftMs), 99), failed: results.length - ok.length };
  };
  const direct = (t0: number) => streamOnce(sim.url, directBody(), t0);
  const chat = (t0: number) => streamOnce(`${api.base}/v1`, apiBody(), t0);
  const conversation = (t0: number) => conversationOnce(api.base, nextQuestion(), t0);
  await run(16, direct); // warm-up every path
  await run(16, chat);
  await run(16, conversation);
  const rows: (string | number)[][] = [];
  const stageRows: (string | number)[][] = [];
  // The machine is shared by the load generator, the simulator and the API: each level runs `rounds` pairs of
  // (direct, API) back to back; the table gives the median pair (by added TTFT) and the spread over the rounds.
  const rounds = Number(flag("rounds", "3"));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const spread = (xs: number[], f: (x: number) => string) => (xs.length > 1 ? ` (${f(Math.min(...xs))} to ${f(Math.max(...xs))})` : "");
  for (const c of (flag("levels", "1,64,1024")).split(",").map(Number)) {
    type Run = Awaited<ReturnType<typeof run>>;
    const pairs: { direct: Run; via: Run; conv: Run; cpu: number; stages: number[]; inner: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      progress(`overhead (${setting}): ${c} concurrent streams, round ${r + 1} of ${rounds}`);
      const d = await run(c, direct);
      const cpu0 = (await api.usage()).cpuSeconds;
      const s0 = await api.stages();
      const t = performance.now();
      const via = await run(c, chat);
      const cpu = ((await api.usage()).cpuSeconds - cpu0) / ((performance.now() - t) / 1000);
      const s1 = await api.stages();
      const conv = await run(c, conversation);
      const mean = (stage: string) => ms((((s1[stage]?.sum ?? 0) - (s0[stage]?.sum ?? 0)) / Math.max(1, (s1[stage]?.count ?? 0) - (s0[stage]?.count ?? 0))) * 1000);
      const before = mean("understand") + mean("retrieve") + mean("rerank") + mean("assemble");
      pairs.push({ direct: d, via, conv, cpu, stages: STAGES.map(mean), inner: ms(mean("firstDelta") - before) });
    }
    const added = pairs.map((p) => p.via.p50 - p.direct.p50);
    const ratios = pairs.map((p) => p.via.tps / p.direct.tps);
    const mid = pairs.find((p) => p.via.p50 - p.direct.p50 === median(added))!;
    const { direct: base, via } = mid;
    stageRows.push([c, ...mid.stages, mid.inner, ms(base.p50)]);
    rows.push([c, "direct to simulator", base.streams, Math.round(base.tps), ms(base.p50), ms(base.p99), base.failed, "1.00", "", ""]);
    rows.push([
      c,
      "through the API",
      via.streams,
      Math.round(via.tps),
      ms(via.p50),
      ms(via.p99),
      pairs.reduce((n, p) => n + p.via.failed, 0),
      `${median(ratios).toFixed(2)}${spread(ratios, (x) => x.toFixed(2))}`,
      `${signed(median(added))}${spread(added, signed)}`,
      `${Math.round(mid.cpu * 100)}%`,
    ]);
    // The conversation path (the web chat's): the same question in a conversation, streamed as answer events.
    const convAdded = pairs.map((p) => p.conv.p50 - p.direct.p50);
    const convRatios = pairs.map((p) => p.conv.tps / p.direct.tps);
    const cm = pairs.find((p) => p.conv.p50 - p.direct.p50 === median(convAdded))!;
    rows.push([
      c,
      "through the API, conversation SSE",
      cm.conv.streams,
      Math.round(cm.conv.tps),
      ms(cm.conv.p50),
      ms(cm.conv.p99),
      pairs.reduce((n, p) => n + p.conv.failed, 0),
      `${median(convRatios).toFixed(2)}${spread(convRatios, (x) => x.toFixed(2))}`,
      `${signed(median(convAdded))}${spread(convAdded, signed)}`,
      "",
    ]);
  }
  await api.kill();
  await sim.kill();
  console.log(`\n## API vs direct, "${setting}" setting (${tokens} tokens per answer; simulator: ${simArgs.join(" ")})\n`);
  console.log(`(median of ${rounds} rounds per level, by added TTFT; in brackets the lowest and highest of the rounds; "failed" counts every round)\n`);
  console.log(table(["concurrent", "path", "streams", "tokens/s", "TTFT p50 ms", "TTFT p99 ms", "failed", "tokens/s ratio", "added TTFT p50 ms", "API CPU"], rows));
  console.log("\nWhere the API's time to first token goes (mean ms per answer, answer_stage_duration_seconds from its /metrics):\n");
  console.log(table(["concurrent", ...STAGES, "firstDelta minus the stages before generate", "direct TTFT p50"], stageRows));
}

/**
 * n streams opened at once and held: each must open (200), get its first token and stay open, without an error,
 * until every stream is open plus HOLD_MS; then the client goes away (all aborted) and the simulator's running
 * sequences must drop to 0. The knowledge base is empty here so that opening the streams is not bound by
 * retrieval (see the overhead table for the retrieval-bound rate with the sample knowledge base).
 */
async function streams10k(dataDir: string) {
  const n = Number(flag("streams", "10000"));
  const HOLD_MS = 5000;
  const OPEN_LIMIT_MS = 60_000;
  const opening = Number(flag("opening", "256"));
  const simArgs = ["--max-num-seqs", String(n + 1000), "--output-tokens", "100000", "--ttft-base-ms", "20", "--prefill-ms-per-token", "0", "--itl-base-ms", "10000", "--itl-alpha", "0", "--tick-ms", "20"];
  const sim = await simulator(simArgs);
  const api = await spawnApi(dataDir, [sim], { maxInFlightPerBackend: n + 1000, maxQueue: n, queueTimeoutMs: 60_000, healthIntervalMs: 5000, probeTimeoutMs: 10_000, ttftTimeoutMs: 240_000, totalTimeoutMs: 900_000 }, false);
  const before = await api.usage();
  const ac = new AbortController();
  const state = Array.from({ length: n }, () => ({ status: 0, ttftMs: Number.NaN, tokens: 0, error: "", open: false }));
  let openNow = 0;
  let peakOpen = 0;
  const t0 = performance.now();
  // At most `opening` requests wait for their first token at a time, so the API works through a steady
  // backlog instead of 10,000 simultaneous retrievals; opened streams stay open.
  let slots = opening;
  const waiters: (() => void)[] = [];
  const acquire = () => (slots > 0 ? (slots--, Promise.resolve()) : new Promise<void>((r) => waiters.push(r)));
  const release = () => {
    const w = waiters.shift();
    if (w) w();
    else slots++;
  };
  const runs = state.map(async (st) => {
    await acquire();
    let held = true;
    const free = () => {
      if (held) (held = false), release();
    };
    const startedAt = performance.now();
    // A stream without its first token after OPEN_LIMIT_MS counts as failed (and is closed), so the run is bounded.
    const own = new AbortController();
    const limit = setTimeout(() => {
      st.error = `no first token within ${OPEN_LIMIT_MS / 1000} s (${st.open ? "headers received" : "no response"})`;
      own.abort();
    }, OPEN_LIMIT_MS);
    try {
      const res = await fetch(`${api.base}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...AUTH }, body: JSON.stringify(apiBody()), signal: AbortSignal.any([ac.signal, own.signal]) });
      st.status = res.status;
      if (res.status !== 200 || !res.body) {
        const err = ((await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }).error;
        return void (st.error = `HTTP ${res.status} ${err?.code ?? ""}: ${err?.message ?? ""}`);
      }
      st.open = true;
      peakOpen = Math.max(peakOpen, ++openNow);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return void (st.error ||= "closed by the server");
        const text = decoder.decode(value, { stream: true });
        if (text.includes('"error"')) st.error = "error chunk";
        const contents = text.match(/"content":"(?!")/g)?.length ?? 0; // non-empty content deltas
        if (contents > 0 && st.tokens === 0) {
          st.ttftMs = performance.now() - startedAt;
          clearTimeout(limit);
          free();
        }
        st.tokens += contents;
      }
    } catch (e) {
      if (!ac.signal.aborted && !own.signal.aborted) st.error = (e as Error).message;
    } finally {
      clearTimeout(limit);
      free();
      if (st.open) openNow--;
    }
  });
  // Wait until every stream has its first token (or failed), then hold.
  let rampS = Number.NaN;
  let peakRss = before.rssMb;
  let peakFds = before.fds;
  while (performance.now() - t0 < 240_000) {
    await Bun.sleep(500);
    const u = await api.usage();
    peakRss = Math.max(peakRss, u.rssMb);
    peakFds = Math.max(peakFds, u.fds);
    if (state.every((st) => st.tokens > 0 || st.error)) {
      rampS = (performance.now() - t0) / 1000;
      break;
    }
  }
  const holdStart = await api.usage();
  const tHold = performance.now();
  await Bun.sleep(HOLD_MS);
  const held = await api.usage();
  peakRss = Math.max(peakRss, held.rssMb);
  const holdCpu = (held.cpuSeconds - holdStart.cpuSeconds) / ((performance.now() - tHold) / 1000);
  const alive = state.filter((st) => st.open && !st.error && st.tokens > 0).length;
  const rampCpu = (holdStart.cpuSeconds - before.cpuSeconds) / rampS;
  const tokensPerSec = state.reduce((sum, st) => sum + st.tokens, 0) / ((performance.now() - t0) / 1000);
  ac.abort(); // every customer leaves at once
  await Promise.all(runs);
  const tAbort = performance.now();
  let running = Number.NaN;
  while (performance.now() - tAbort < 30_000) {
    running = (await sim.stats()).running ?? Number.NaN;
    if (running === 0) break;
    await Bun.sleep(100);
  }
  const freedS = (performance.now() - tAbort) / 1000;
  const errors = state.filter((st) => st.error).length;
  const kinds = new Map<string, number>();
  for (const st of state) if (st.error) kinds.set(st.error.slice(0, 120), (kinds.get(st.error.slice(0, 120)) ?? 0) + 1);
  await api.kill();
  await sim.kill();
  console.log(`\n## ${n} concurrent SSE streams through one API process (empty knowledge base; at most ${opening} waiting for their first token at a time; simulator: ${simArgs.join(" ")})\n`);
  console.log(
    table(
      ["streams", "open with tokens after the hold", "dropped / errors", "peak open at once", "all streaming after s", "TTFT p50 ms", "TTFT p99 ms", "tokens/s through the API", "API RSS before / peak MB", "API CPU opening / holding", "API open fds peak / limit", "upstream freed after abort s"],
      [[n, alive, errors ? `${errors} (${[...kinds].map(([k, c]) => `${c}x ${k}`).join("; ")})` : 0, peakOpen, ms(rampS), ms(pct(state.map((st) => st.ttftMs), 50)), ms(pct(state.map((st) => st.ttftMs), 99)), Math.round(tokensPerSec), `${Math.round(before.rssMb)} / ${Math.round(peakRss)}`, `${Math.round(rampCpu * 100)}% / ${Math.round(holdCpu * 100)}%`, `${Math.max(peakFds, held.fds)} / ${before.maxFds}`, running === 0 ? ms(freedS) : `not freed (${running} running)`]],
    ),
  );
}

async function failover(dataDir: string) {
  const simArgs = ["--max-num-seqs", "1024", "--output-tokens", "30", "--ttft-base-ms", "20", "--prefill-ms-per-token", "0", "--itl-base-ms", "400", "--itl-alpha", "0"];
  const [a, b] = [await simulator(simArgs), await simulator(simArgs)];
  const api = await spawnApi(dataDir, [a, b], { maxInFlightPerBackend: 1024, maxQueue: 1024, healthIntervalMs: 1000, ttftTimeoutMs: 30_000, totalTimeoutMs: 60_000 });
  const hostA = new URL(a.url).host;
  const breakerA = async () => Number(new RegExp(`llm_backend_breaker_state\\{backend="${hostA.replace(/\./g, "\\.")}"\\} (\\d)`).exec(await (await fetch(`${api.base}/metrics`)).text())?.[1]);
  const t0 = performance.now();
  let firstTokens = 0;
  const first = Array.from({ length: 500 }, () => streamOnce(`${api.base}/v1`, apiBody(), t0, undefined, () => firstTokens++));
  // Kill A once every stream is mid-answer (answers take 30 x 400 ms).
  while (firstTokens < 500 && performance.now() - t0 < 20_000) await Bun.sleep(50);
  const midAnswer = firstTokens;
  const killedAt = performance.now();
  a.proc.kill("SIGKILL");
  let openedMs = Number.NaN;
  while (performance.now() - killedAt < 10_000) {
    if ((await breakerA()) === 2) {
      openedMs = performance.now() - killedAt;
      break;
    }
    await Bun.sleep(20);
  }
  const after = await Promise.all(Array.from({ length: 200 }, () => streamOnce(`${api.base}/v1`, apiBody(), t0)));
  const firstResults = await Promise.all(first);
  await api.kill();
  await b.kill();
  const row = (name: string, rs: StreamResult[]) => [name, rs.length, rs.filter((r) => r.result === "done").length, rs.filter((r) => r.result === "error").length, rs.filter((r) => r.result !== "done" && r.result !== "error").length];
  console.log(`\n## Failover through the API: 500 streams over two simulators, one SIGKILLed while all are mid-answer (simulator: ${simArgs.join(" ")})\n`);
  console.log(table(["streams", "count", "completed", "ended with an error chunk", "rejected (HTTP status)"], [row(`in flight at the kill (${midAnswer} had tokens)`, firstResults), row("started after the kill", after)]));
  console.log(`\nthe killed backend's breaker opened ${ms(openedMs)} ms after the kill (llm_backend_breaker_state in the API's /metrics)`);
}

async function shedding(dataDir: string) {
  const seqs = 8;
  const tokens = 32;
  const itl = 40;
  const simArgs = ["--max-num-seqs", String(seqs), "--output-tokens", String(tokens), "--ttft-base-ms", "30", "--prefill-ms-per-token", "0", "--itl-base-ms", String(itl), "--itl-alpha", "0"];
  const sim = await simulator(simArgs);
  const limits = { maxInFlightPerBackend: seqs, maxQueue: 2 * seqs, queueTimeoutMs: 2000, healthIntervalMs: 5000, ttftTimeoutMs: 15_000, totalTimeoutMs: 60_000 };
  const api = await spawnApi(dataDir, [sim], limits);
  const answerSeconds = (30 + tokens * itl) / 1000;
  const capacity = seqs / answerSeconds; // answers per second the backend can finish
  const rows: (string | number)[][] = [];
  for (const factor of [1, 3]) {
    const rate = capacity * factor;
    const seconds = 12;
    const t0 = performance.now();
    const pending: Promise<StreamResult>[] = [];
    for (let i = 0; i < Math.round(rate * seconds); i++) {
      const wait = (i / rate) * 1000 - (performance.now() - t0);
      if (wait > 0) await Bun.sleep(wait);
      pending.push(streamOnce(`${api.base}/v1`, apiBody(), t0));
    }
    const rs = await Promise.all(pending);
    const served = rs.filter((r) => r.result === "done");
    const shed = rs.filter((r) => r.status === 429 || r.status === 503);
    const half = (seconds * 1000) / 2;
    const p99 = (xs: StreamResult[]) => ms(pct(xs.map((r) => r.totalMs), 99));
    rows.push([`${factor}x (${rate.toFixed(1)}/s)`, rs.length, share(served.length, rs.length), share(shed.length, rs.length), share(rs.length - served.length - shed.length, rs.length), ms(pct(served.map((r) => r.totalMs), 50)), p99(served), p99(served.filter((r) => r.startedAt < half)), p99(served.filter((r) => r.startedAt >= half)), ms(pct(shed.map((r) => r.totalMs), 99))]);
    await Bun.sleep(3000);
  }
  await api.kill();
  await sim.kill();
  console.log(`\n## Load shedding through the API (backend capacity ${capacity.toFixed(1)} answers/s: ${seqs} sequences x ${answerSeconds.toFixed(2)} s; gateway: ${seqs} in flight, queue ${2 * seqs}, wait ${limits.queueTimeoutMs} ms)\n`);
  console.log(table(["offered", "requests", "served", "shed 429/503", "other", "served p50 ms", "served p99 ms", "p99 first half", "p99 second half", "shed p99 ms"], rows));
}

async function main() {
  const only = new Set(flag("only", "overhead,overhead-stress,streams10k,failover,shedding").split(","));
  const dataDir = mkdtempSync(join(tmpdir(), "bench-api-gateway-"));
  const emptyDir = mkdtempSync(join(tmpdir(), "bench-api-gateway-empty-"));
  try {
    const t = performance.now();
    // First start ingests the sample knowledge base into dataDir; later API processes reuse it.
    progress("ingesting the sample knowledge base (first API start)...");
    const warm = await simulator([]);
    await (await spawnApi(dataDir, [warm], {})).kill();
    await warm.kill();
    await apiPrompts(dataDir);
    console.log(`(sample knowledge base ingested in ${Math.round((performance.now() - t) / 1000)} s)`);
    for (const [name, fn] of [["overhead", () => overhead(dataDir, "gpu")], ["overhead-stress", () => overhead(dataDir, "stress")], ["streams10k", () => streams10k(emptyDir)], ["failover", () => failover(dataDir)], ["shedding", () => shedding(dataDir)]] as const) {
      if (!only.has(name)) continue;
      progress(`${name}...`);
      await fn();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  }
  console.log(`\ncommand: ${command()}`);
}

// Entry point (last, so every declaration above is initialised).
if (process.argv[2] === "--serve-api") {
  const { loadConfig } = await import("../core/config");
  const { createServices } = await import("../api/services");
  const { createApp } = await import("../api/app");
  const services = await createServices(loadConfig(), { llmLimits: JSON.parse(process.argv[3] ?? "{}"), log: (l) => console.error(l) });
  const app = createApp(services).listen({ hostname: "127.0.0.1", port: 0, idleTimeout: 255 });
  // A customer-role access token (a logged-in shop customer), valid for the run.
  const token = await services.auth.accessToken({ id: "usr_bench", tenantId: services.config.defaultTenant, role: "customer", username: "bench", email: null }, 86_400);
  console.log(`api listening on http://127.0.0.1:${app.server!.port} token ${token}`);
  process.on("SIGTERM", () => void app.stop(true).then(() => services.close()).finally(() => process.exit(0)));
} else if (!(await ensureFetchLimit(FETCH_LIMIT))) {
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => (killChildren(), process.exit(130)));
  try {
    await main();
  } finally {
    killChildren();
  }
}
