/**
 * N concurrent conversations, each streaming one answer over SSE through a real listening server (the full
 * pipeline with the extractive generator) on the sample knowledge base plus a synthetic corpus (default 50,000
 * chunks, built once into bench/out/answer-corpus-<chunks>). The API runs as its own process (api/server.ts);
 * this process is the client. For each burst of N: answers/s (N / time until the last `done`), p50/p99 time to
 * the first `delta` and to `done` (from sending the request), failures (non-200, an `error` event, no `done`, or
 * a done that is not `complete`), the server's CPU time and average cores used, and its RSS (idle, peak).
 * Questions cycle through bench/data/sample-kb-questions.json (unanswerable ones included: a decline is an answer).
 *
 *   bun run bench/chat-stream.ts [--conversations 100,1000] [--chunks 50000] [--port 3919] [--rebuild]
 */
import { BENCH_ADMIN_ENV, loginHeaders } from "./lib/bench-auth";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { answerEvents } from "../api/streaming/sse-reader";
import { mb, summarize, table } from "./lib/metrics";
import { ensureAnswerCorpus } from "./lib/synthetic-corpus";

// fetch allows 256 concurrent requests by default; a burst of 1,000 needs more. Re-run with the limit raised.
if (!process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) {
  const child = spawn(process.execPath, ["run", ...process.argv.slice(1)], { env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" }, stdio: "inherit" });
  process.exit(await new Promise<number>((r) => child.on("exit", (code) => r(code ?? 1))));
}

const { values } = parseArgs({
  options: { conversations: { type: "string", default: "100,1000" }, chunks: { type: "string", default: "50000" }, port: { type: "string", default: "3919" }, rebuild: { type: "boolean", default: false } },
});
const bursts = values.conversations!.split(",").map(Number);
const chunks = Number(values.chunks);
const corpus = await ensureAnswerCorpus(resolve(import.meta.dir, `out/answer-corpus-${chunks}`), chunks, { rebuild: values.rebuild });
const questions = (JSON.parse(readFileSync(resolve(import.meta.dir, "data/sample-kb-questions.json"), "utf8")) as { question: string }[]).map((q) => q.question);

const taken = await fetch(`http://127.0.0.1:${values.port}/`).then(() => true, () => false);
if (taken) throw new Error(`port ${values.port} is already in use; pass --port`);
const env = { DATA_DIR: corpus.dir, SAMPLE_KB: "false", PORT: values.port!, HOST: "127.0.0.1", LOG_LEVEL: "warn", ...BENCH_ADMIN_ENV };
const server = spawn(process.execPath, ["run", resolve(import.meta.dir, "../api/server.ts")], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
// The server goes away with this process, however it ends.
process.on("exit", () => server.kill("SIGKILL"));
let serverExited = false;
server.on("exit", () => (serverExited = true));
const serverErrors: string[] = [];
server.stderr!.on("data", (d: Buffer) => {
  for (const line of d.toString().split("\n")) if (line.trim() && !/WARN\s+lance/.test(line)) serverErrors.push(line);
});
const base = `http://127.0.0.1:${values.port}`;
for (let i = 0; ; i++) {
  try {
    const h = await fetch(`${base}/v1/health`);
    if (h.ok) break;
    if (h.status === 503) throw new Error(`the server is down: ${await h.text()} (try --rebuild)`);
  } catch (e) {
    if ((e as Error).message.startsWith("the server is down")) throw e;
  }
  if (i > 1200 || serverExited) throw new Error(`server did not start: ${serverErrors.slice(-5).join("\n")}`);
  await Bun.sleep(100);
}

const authz = await loginHeaders(base);
const proc = (file: string) => readFileSync(`/proc/${server.pid}/${file}`, "utf8");
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(proc("status"))?.[1] ?? 0) * 1024;
/** utime + stime of the server in seconds (USER_HZ = 100). */
const cpuSeconds = () => {
  const f = proc("stat").slice(proc("stat").lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};

interface Result {
  ok: boolean;
  firstDelta?: number;
  done?: number;
  why?: string;
}

async function converse(conversationId: string, question: string): Promise<Result> {
  const t = performance.now();
  let res: Response;
  try {
    res = await fetch(`${base}/v1/conversations/${conversationId}/messages/stream`, { method: "POST", headers: { "content-type": "application/json", ...authz }, body: JSON.stringify({ content: question }) });
  } catch (e) {
    return { ok: false, why: `fetch: ${(e as Error).message}` };
  }
  if (res.status !== 200) return { ok: false, why: `HTTP ${res.status}: ${(await res.text()).slice(0, 120)}` };
  let firstDelta: number | undefined;
  try {
    for await (const e of answerEvents(res.body!)) {
      if (e.event === "delta" && firstDelta === undefined) firstDelta = performance.now() - t;
      if (e.event === "error") return { ok: false, why: `error event: ${JSON.stringify(e.data).slice(0, 120)}` };
      if (e.event === "done") {
        const done = performance.now() - t;
        return e.data.status === "complete" ? { ok: true, firstDelta: firstDelta ?? done, done } : { ok: false, why: `done with status ${e.data.status}` };
      }
    }
  } catch (e) {
    return { ok: false, why: `stream: ${(e as Error).message}` };
  }
  return { ok: false, why: "the stream ended without done" };
}

async function createConversations(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, async () => ((await (await fetch(`${base}/v1/conversations`, { method: "POST", headers: { "content-type": "application/json", ...authz }, body: "{}" })).json()) as { id: string }).id),
    );
    ids.push(...batch);
  }
  return ids;
}

// Warm-up: every question once, sequentially, so that the first burst does not pay for JIT and cold index pages.
const warm = await createConversations(questions.length);
for (const [i, id] of warm.entries()) await converse(id, questions[i]!);
const rssIdle = rss();
const rows: (string | number)[][] = [];
const failures: string[] = [];
for (const n of bursts) {
  const ids = await createConversations(n);
  let peak = rss();
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 100);
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const results = await Promise.all(ids.map((id, i) => converse(id, questions[i % questions.length]!)));
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  clearInterval(sampler);
  const ok = results.filter((r) => r.ok);
  const first = summarize(ok.map((r) => r.firstDelta!));
  const done = summarize(ok.map((r) => r.done!));
  const failed = results.filter((r) => !r.ok);
  failures.push(...failed.slice(0, 5).map((r) => `${n}: ${r.why}`));
  rows.push([n, (ok.length / wall).toFixed(1), first.p50.toFixed(0), first.p99.toFixed(0), done.p50.toFixed(0), done.p99.toFixed(0), failed.length, `${cpu.toFixed(1)} s (${(cpu / wall).toFixed(2)} cores)`, mb(peak)]);
}
server.kill("SIGTERM");

console.log(`\nSSE answers through a listening server: ${corpus.totalChunks} chunks (sample KB + ${corpus.syntheticChunks} synthetic), extractive generator, one burst of N concurrent conversations per row; client and server share the machine (${navigator.hardwareConcurrency} cores)\n`);
console.log(table(["concurrent conversations", "answers/s", "first delta p50 ms", "first delta p99 ms", "done p50 ms", "done p99 ms", "failures", "server CPU", "server RSS peak MB"], rows));
console.log(`\nserver RSS idle (after warm-up): ${mb(rssIdle)} MB`);
if (failures.length) console.log(`first failures:\n${failures.join("\n")}`);
const serious = serverErrors.filter((l) => /error|failed/i.test(l));
if (serious.length) console.log(`server stderr (last lines):\n${serious.slice(-5).join("\n")}`);
console.log(`command: bun run bench/chat-stream.ts --conversations ${bursts.join(",")} --chunks ${chunks}`);
process.exit(0);
