import { afterAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startSimulator } from "../../inference/simulator/server";
import { FAST, stopAll, waitFor } from "./helpers";

const sim = startSimulator({ ...FAST, maxNumSeqs: 4, itlBaseMs: 3 });
const base = sim.url.replace(/\/v1$/, "");
const sdk = new OpenAI({ baseURL: sim.url, apiKey: "x", maxRetries: 0, timeout: 5000 });
afterAll(() => stopAll([sim]));

const passages = "[1] Orders ship within two business days.\n[2] Express shipping costs 15 euros.";
const ask = (q: string) => [{ role: "system" as const, content: `Passages:\n${passages}` }, { role: "user" as const, content: q }];

function chat(body: unknown, signal?: AbortSignal) {
  return fetch(`${sim.url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
}

/** Parses Prometheus text into samples; throws on any line that is not a comment or a sample. */
function parseProm(text: string) {
  const samples: { name: string; labels: string; value: number }[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf)$/.exec(line);
    if (!m) throw new Error(`bad metrics line: ${line}`);
    samples.push({ name: m[1]!, labels: m[2] ?? "", value: Number(m[3]) });
  }
  return { samples, types };
}

describe("simulator over HTTP", () => {
  test("the OpenAI SDK streams a cited answer built from the passages", async () => {
    const stream = await sdk.chat.completions.create({ model: "any", messages: ask("How fast do orders ship?"), stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("Orders ship within two business days [1].");
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBe(7);
    expect(usage?.total_tokens).toBe(usage!.prompt_tokens + 7);
  }, 5000);

  test("non-stream completion respects max_tokens and reports usage", async () => {
    const r = await sdk.chat.completions.create({ model: "m1", messages: ask("How much does express shipping cost?"), max_tokens: 3 });
    expect(r.object).toBe("chat.completion");
    expect(r.model).toBe("m1");
    expect(r.choices[0]!.message.content).toBe("Express shipping costs");
    expect(r.choices[0]!.finish_reason).toBe("length");
    expect(r.usage?.completion_tokens).toBe(3);
  }, 5000);

  test("models, health and deterministic embeddings (base64 via the SDK and float)", async () => {
    const models = await sdk.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["sim-model"]);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const e = await sdk.embeddings.create({ model: "e", input: ["refund policy", "refund policy", "volcano"], dimensions: 64 });
    const [a, b, c] = e.data.map((d) => d.embedding);
    expect(a).toHaveLength(64);
    expect(a).toEqual(b!);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, a!)).toBeCloseTo(1, 4);
    expect(dot(a!, c!)).toBeLessThan(0.9);
    const raw = await (await fetch(`${sim.url}/embeddings`, { method: "POST", body: JSON.stringify({ input: "refund policy", dimensions: 64, encoding_format: "float" }) })).json();
    expect(raw.data[0].embedding[0]).toBeCloseTo(a![0]!, 5);
    const bad = await fetch(`${sim.url}/embeddings`, { method: "POST", body: JSON.stringify({ input: 3 }) });
    expect(bad.status).toBe(400);
  }, 5000);

  test("bad requests are 400/404/405 with OpenAI error bodies", async () => {
    const notJson = await fetch(`${sim.url}/chat/completions`, { method: "POST", body: "{nope" });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.message).toContain("JSON");
    expect((await chat({ messages: [] })).status).toBe(400);
    expect((await chat({ messages: [{ role: "user", content: "x" }], max_tokens: -1 })).status).toBe(400);
    expect((await chat({ messages: [{ role: 1, content: "x" }] })).status).toBe(400);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect((await fetch(`${sim.url}/chat/completions`)).status).toBe(405);
  }, 5000);

  test("batching: running never exceeds max_num_seqs, the rest wait, all finish", async () => {
    const before = sim.stats();
    const load: number[] = [];
    const sampler = setInterval(() => load.push(sim.stats().running), 2);
    const bodies = await Promise.all(
      Array.from({ length: 12 }, () => chat({ messages: ask("How fast do orders ship?"), stream: true }).then((r) => r.text())),
    );
    clearInterval(sampler);
    const after = sim.stats();
    expect(Math.max(...load)).toBeLessThanOrEqual(4);
    expect(after.maxRunningSeen).toBe(4);
    expect(after.maxWaitingSeen).toBeGreaterThanOrEqual(6);
    expect(after.completed - before.completed).toBe(12);
    for (const b of bodies) expect(b.endsWith("data: [DONE]\n\n")).toBe(true);
  }, 10000);

  test("TTFT includes the queue wait (max_num_seqs=1)", async () => {
    const one = startSimulator({ ...FAST, maxNumSeqs: 1, itlBaseMs: 5 });
    try {
      const firstToken = async () => {
        const t0 = performance.now();
        const res = await fetch(`${one.url}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: ask("How fast do orders ship?"), stream: true }) });
        const reader = res.body!.getReader();
        let seen = "";
        let ttft = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          seen += new TextDecoder().decode(value);
          if (!ttft && seen.includes('"content":"Orders"')) ttft = performance.now() - t0;
        }
        return { ttft, total: performance.now() - t0 };
      };
      const [a, b] = await Promise.all([firstToken(), firstToken()]);
      const [early, late] = a.ttft < b.ttft ? [a, b] : [b, a];
      expect(late.ttft).toBeGreaterThanOrEqual(early.total - 10);
    } finally {
      await one.stop();
    }
  }, 5000);

  test("/metrics is valid Prometheus text with vLLM's metrics", async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const { samples, types } = parseProm(await res.text());
    expect(types.get("vllm:time_to_first_token_seconds")).toBe("histogram");
    expect(types.get("vllm:time_per_output_token_seconds")).toBe("histogram");
    expect(types.get("vllm:num_requests_running")).toBe("gauge");
    expect(types.get("vllm:num_requests_waiting")).toBe("gauge");
    const value = (name: string) => samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
    expect(value("vllm:time_to_first_token_seconds_count")).toBeGreaterThanOrEqual(14);
    expect(value("vllm:generation_tokens_total")).toBe(sim.stats().generatedTokens);
    expect(value("vllm:prompt_tokens_total")).toBeGreaterThan(0);
    const buckets = samples.filter((s) => s.name === "vllm:time_to_first_token_seconds_bucket").map((s) => s.value);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!).toBeGreaterThanOrEqual(buckets[i - 1]!);
  }, 5000);

  test("a client disconnect frees the slot at once", async () => {
    const ac = new AbortController();
    const res = await chat({ messages: ask("How fast do orders ship?"), stream: true, max_tokens: 1000 }, ac.signal);
    await res.body!.getReader().read();
    await waitFor(() => sim.stats().running === 1, 2000, "running 1");
    const aborted = sim.stats().aborted;
    ac.abort();
    await waitFor(() => sim.stats().running === 0, 2000, "slot freed");
    expect(sim.stats().aborted).toBe(aborted + 1);
  }, 5000);

  test("faults API: validated, applied, and each fault behaves", async () => {
    const bad = await fetch(`${base}/admin/faults`, { method: "POST", body: JSON.stringify({ errorRate: 7 }) });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.code).toBe("SIM_BAD_FAULTS");
    const set = (f: object) => fetch(`${base}/admin/faults`, { method: "POST", body: JSON.stringify(f) }).then((r) => r.json());
    const body = { messages: ask("How fast do orders ship?"), stream: true };
    try {
      expect((await set({ errorRate: 1 })).errorRate).toBe(1);
      expect((await chat(body)).status).toBe(500);
      await set({ errorRate: 0, rateLimitRate: 1 });
      const limited = await chat(body);
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("1");
      await set({ rateLimitRate: 0, malformedRate: 1 });
      const malformed = await (await chat({ ...body, stream: false })).text();
      expect(() => JSON.parse(malformed)).toThrow();
      await set({ malformedRate: 0, dropRate: 1, dropAfterTokens: 2 });
      const dropped = await chat(body);
      const reader = dropped.body!.getReader();
      let text = "";
      const err = await (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return undefined;
          text += new TextDecoder().decode(value);
        }
      })().catch((e) => e);
      expect(String(err?.code ?? err)).toContain("ECONNRESET");
      expect(text.match(/"content":"[^"]+"/g)).toHaveLength(2);
      await set({ dropRate: 0, stallRate: 1, stallAfterTokens: 1 });
      const ac = new AbortController();
      const generatedBefore = sim.stats().generatedTokens;
      const stalled = await chat(body, ac.signal);
      const r2 = stalled.body!.getReader();
      await waitFor(() => sim.stats().running === 1 && sim.stats().generatedTokens === generatedBefore + 1, 2000, "stalled running");
      const tokens = sim.stats().generatedTokens;
      await Bun.sleep(60);
      expect(sim.stats().generatedTokens).toBe(tokens);
      expect(sim.stats().running).toBe(1);
      ac.abort();
      await r2.read().catch(() => undefined);
      await waitFor(() => sim.stats().running === 0, 2000, "stall freed");
    } finally {
      await set({ errorRate: 0, rateLimitRate: 0, malformedRate: 0, dropRate: 0, stallRate: 0 });
    }
  }, 10000);
});
