/**
 * Shared pieces of the inference benchmarks: the simulator as a child process (its own core), a raw
 * fetch + SSE client for baselines, percentiles and markdown tables. Not a benchmark itself.
 */
import { resolve } from "node:path";

import { readSse } from "../api/streaming/sse-reader";

export const ROOT = resolve(import.meta.dir, "..");

/** Bun caps concurrent fetches per process at 256 unless BUN_CONFIG_MAX_HTTP_REQUESTS is set at start-up;
 * re-runs this script with it set, so 1,024 streams are really concurrent. Returns true in the parent. */
export async function ensureFetchLimit(min = 4096): Promise<boolean> {
  if (Number(process.env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? 0) >= min) return false;
  const child = Bun.spawn([process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(min) },
    stdio: ["inherit", "inherit", "inherit"],
  });
  process.exitCode = await child.exited;
  return true;
}

export interface SpawnedSimulator {
  url: string;
  proc: ReturnType<typeof Bun.spawn>;
  stats(): Promise<Record<string, number>>;
  setFaults(f: Record<string, number>): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnSimulator(args: string[]): Promise<SpawnedSimulator> {
  const proc = Bun.spawn([process.execPath, "run", `${ROOT}/inference/simulator/server.ts`, "--port", "0", ...args], { stdout: "pipe", stderr: "inherit" });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  const deadline = Date.now() + 10_000;
  while (!/listening on (\S+)/.test(out)) {
    if (Date.now() > deadline) throw new Error(`simulator did not start: ${out}`);
    const { done, value } = await reader.read();
    if (done) throw new Error(`simulator exited: ${out}`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const url = /listening on (\S+)/.exec(out)![1]!;
  const base = url.replace(/\/v1$/, "");
  return {
    url,
    proc,
    stats: async () => (await fetch(`${base}/admin/stats`)).json() as Promise<Record<string, number>>,
    setFaults: async (f) => void (await fetch(`${base}/admin/faults`, { method: "POST", body: JSON.stringify(f) })),
    kill: async (signal = "SIGTERM") => {
      proc.kill(signal);
      await proc.exited;
    },
  };
}

export interface RawResult {
  ttftMs: number;
  totalMs: number;
  tokens: number;
  ok: boolean;
}

/** The `data:` payloads of an SSE stream (OpenAI-style chunks), parsed by the API's own SSE reader. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  for await (const m of readSse(body)) if (m.comment === undefined) yield m.data;
}

/** One streamed chat completion with plain fetch and an SSE parser (the no-gateway baseline). */
export async function rawStream(url: string, body: object): Promise<RawResult> {
  const t0 = performance.now();
  let ttftMs = 0;
  let tokens = 0;
  let done = false;
  const res = await fetch(`${url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
  if (!res.ok || !res.body) return { ttftMs: 0, totalMs: performance.now() - t0, tokens: 0, ok: false };
  for await (const data of sseData(res.body)) {
    if (data === "[DONE]") {
      done = true;
      continue;
    }
    const content = JSON.parse(data).choices?.[0]?.delta?.content;
    if (content) {
      if (tokens === 0) ttftMs = performance.now() - t0;
      tokens++;
    }
  }
  return { ttftMs, totalMs: performance.now() - t0, tokens, ok: done };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const fmt = (v: string | number) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : v);
  return [`| ${headers.join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(fmt).join(" | ")} |`)].join("\n");
}

export const command = () => `npx bun ${process.argv.slice(1).map((a) => a.replace(`${ROOT}/`, "")).join(" ")}`;
