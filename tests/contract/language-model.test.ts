/**
 * Contract suite of the LanguageModel port, run against every adapter: the inference client talking over HTTP
 * to the project's simulator (deterministic: its answer is built from the prompt), and the extractive generator.
 *
 * Where the adapters differ in ways the port leaves open, a trait in the adapter list says what each really does
 * (so a change in behaviour fails here instead of passing silently).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { AppError } from "../../core/errors";
import type { GenerateRequest, LanguageModel, StreamEvent } from "../../core/ports/language-model";
import { ExtractiveGenerator } from "../../inference/extractive";
import { createInferenceClient, type InferenceClient } from "../../inference/client/inference-client";
import { startSimulator } from "../../inference/simulator/server";

// Fast timings: a whole answer takes tens of milliseconds.
const sim = startSimulator({ port: 0, ttftBaseMs: 5, prefillMsPerToken: 0, itlBaseMs: 2, itlAlpha: 0, tickMs: 2 });
const clients: InferenceClient[] = [];
afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await sim.stop();
});

interface Traits {
  /** Emits a `citation` event after the delta carrying each [n] marker (else the caller maps markers itself). */
  citationEvents: boolean;
  /** With a signal aborted before the call, still emits `start` before finish("abort"). */
  startWhenAbortedEarly: boolean;
  /** How an invalid request (no user message) fails: the iterator throws, or the stream ends with an `error`. */
  invalidRequest: "throws" | "error-event";
}

const adapters: [string, () => LanguageModel, Traits][] = [
  [
    "inference client, against the simulator over HTTP",
    () => {
      // One slot and no queue: a request that leaks its backend slot makes the next one fail with 429.
      const c = createInferenceClient({
        backends: [{ url: sim.url, model: "sim-model", weight: 1 }],
        limits: { healthIntervalMs: 0, maxInFlightPerBackend: 1, maxQueue: 0 },
      });
      clients.push(c);
      return c;
    },
    { citationEvents: false, startWhenAbortedEarly: false, invalidRequest: "throws" },
  ],
  ["extractive generator", () => new ExtractiveGenerator(), { citationEvents: true, startWhenAbortedEarly: true, invalidRequest: "error-event" }],
];

const REQUEST: GenerateRequest = {
  messages: [
    { role: "system", content: "Answer from the passages." },
    { role: "user", content: "How long does the warranty last and what does it cover?" },
  ],
  passages: [
    {
      id: "warranty",
      title: "Warranty",
      text: "The warranty lasts two years from delivery. It covers manufacturing defects such as a failing motor or a cracked jug. Water damage is not covered by the warranty.",
    },
    { id: "returns", title: "Returns", text: "Returns are accepted within 30 days of delivery." },
  ],
};

/** Collects a stream; fails (instead of hanging) past `ms`. */
async function collect(stream: AsyncIterable<StreamEvent>, onEvent?: (e: StreamEvent) => void, ms = 5000): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  const it = stream[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`stream did not end within ${ms} ms`)), Math.max(0, deadline - Date.now())))),
    ]).finally(() => clearTimeout(timer));
    if (r.done) return out;
    out.push(r.value);
    onEvent?.(r.value);
  }
}

const textOf = (events: StreamEvent[]) => events.map((e) => (e.type === "delta" ? e.text : "")).join("");
const deltasOf = (events: StreamEvent[]) => events.filter((e) => e.type === "delta").length;
const markersOf = (text: string) => [...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));

/** The port's promise: exactly one `finish` or `error`, and it is the last event. Returns it. */
function terminalOf(events: StreamEvent[]): StreamEvent {
  const terminals = events.filter((e) => e.type === "finish" || e.type === "error");
  expect(terminals).toHaveLength(1);
  expect(events.at(-1)).toBe(terminals[0]!);
  return terminals[0]!;
}

for (const [name, make, traits] of adapters) {
  describe(`LanguageModel contract: ${name}`, () => {
    test("id is a non-empty string, the same for every instance built alike", () => {
      const a = make();
      const b = make();
      expect(typeof a.id).toBe("string");
      expect(a.id.trim().length).toBeGreaterThan(0);
      expect(b.id).toBe(a.id);
    });

    test("a stream starts with `start`, carries deltas, and ends with exactly one finish('stop')", async () => {
      const events = await collect(make().stream(REQUEST));
      const first = events[0]!;
      expect(first.type).toBe("start");
      expect(first.type === "start" && first.model.length > 0).toBe(true);
      expect(events.filter((e) => e.type === "start")).toHaveLength(1);
      expect(deltasOf(events)).toBeGreaterThan(1);
      expect(terminalOf(events)).toMatchObject({ type: "finish", reason: "stop" });
    });

    test("the deltas concatenate to generate()'s text; the same request gives the same answer", async () => {
      const m = make();
      const a = textOf(await collect(m.stream(REQUEST)));
      const b = textOf(await collect(m.stream(REQUEST)));
      const g = await m.generate(REQUEST);
      expect(a).toContain("two years");
      expect(b).toBe(a);
      expect(g).toEqual({ text: a, finishReason: "stop" });
    });

    test("[n] markers name only the given passages; citation events follow their marker and name passages[n-1]", async () => {
      const events = await collect(make().stream(REQUEST));
      terminalOf(events);
      const markers = markersOf(textOf(events));
      expect(markers.length).toBeGreaterThan(0);
      for (const n of markers) expect(n >= 1 && n <= REQUEST.passages!.length).toBe(true);
      const citations = events.flatMap((e, i) => (e.type === "citation" ? [{ e, i }] : []));
      if (!traits.citationEvents) {
        expect(citations).toEqual([]);
        return;
      }
      expect(citations.map(({ e }) => e.type === "citation" && e.n)).toEqual(markers);
      for (const { e, i } of citations) {
        if (e.type !== "citation") continue;
        expect(e.passageId).toBe(REQUEST.passages![e.n - 1]!.id);
        // The nearest delta before the event carries its marker.
        const before = events.slice(0, i).filter((x) => x.type === "delta").at(-1);
        expect(before?.type === "delta" && before.text.includes(`[${e.n}]`)).toBe(true);
      }
    });

    test("maxTokens cuts the answer: finish('length'), a strict prefix of the full answer; a generous limit changes nothing", async () => {
      const m = make();
      const full = await m.generate(REQUEST);
      const events = await collect(m.stream({ ...REQUEST, maxTokens: 6 }));
      const finish = terminalOf(events);
      expect(finish).toMatchObject({ type: "finish", reason: "length" });
      const cut = textOf(events);
      expect(cut.length).toBeGreaterThan(0);
      expect(cut.length).toBeLessThan(full.text.length);
      expect(full.text.startsWith(cut)).toBe(true);
      if (finish.type === "finish" && finish.usage) expect(finish.usage.completionTokens).toBeLessThanOrEqual(6);
      expect(await m.generate({ ...REQUEST, maxTokens: 6 })).toEqual({ text: cut, finishReason: "length" });
      expect(await m.generate({ ...REQUEST, maxTokens: 1000 })).toEqual(full);
    });

    test(`an already-aborted signal: no deltas, one finish('abort')${traits.startWhenAbortedEarly ? " after `start`" : ", no `start`"}`, async () => {
      const m = make();
      const events = await collect(m.stream(REQUEST, AbortSignal.abort()));
      expect(events.map((e) => e.type)).toEqual(traits.startWhenAbortedEarly ? ["start", "finish"] : ["finish"]);
      expect(terminalOf(events)).toMatchObject({ type: "finish", reason: "abort" });
      expect(await m.generate(REQUEST, AbortSignal.abort())).toEqual({ text: "", finishReason: "abort" });
    });

    test("aborting mid-stream ends it with finish('abort') before the answer is complete; the model keeps working", async () => {
      const m = make();
      const full = await collect(m.stream(REQUEST));
      const ac = new AbortController();
      let atAbort = -1;
      const events = await collect(m.stream(REQUEST, ac.signal), (e) => {
        if (e.type === "delta" && !ac.signal.aborted) {
          ac.abort();
          atAbort = 1;
        }
      });
      expect(atAbort).toBe(1);
      expect(terminalOf(events)).toMatchObject({ type: "finish", reason: "abort" });
      expect(deltasOf(events)).toBeLessThan(deltasOf(full));
      expect(textOf(full).startsWith(textOf(events))).toBe(true);
      expect((await m.generate(REQUEST)).text).toBe(textOf(full));
    });

    test("leaving the loop early frees the request: later requests are answered in full", async () => {
      const m = make();
      const full = await m.generate(REQUEST);
      for (let i = 0; i < 3; i++) {
        let deltas = 0;
        for await (const e of m.stream(REQUEST)) if (e.type === "delta" && ++deltas === 2) break;
        expect(deltas).toBe(2);
      }
      expect(await m.generate(REQUEST)).toEqual(full);
    });

    test(`a request without a user message fails as a 422: generate() rejects, the stream ${traits.invalidRequest === "throws" ? "throws before any event" : "ends with one error event"}`, async () => {
      const m = make();
      const bad: GenerateRequest = { messages: [{ role: "system", content: "only a system prompt" }] };
      const err = await m.generate(bad).then(
        () => undefined,
        (e) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(422);
      const seen: StreamEvent[] = [];
      const thrown = await collect(m.stream(bad), (e) => seen.push(e)).then(
        () => undefined,
        (e) => e,
      );
      if (traits.invalidRequest === "throws") {
        expect(thrown).toBeInstanceOf(AppError);
        expect((thrown as AppError).status).toBe(422);
        expect(seen).toEqual([]);
      } else {
        expect(thrown).toBeUndefined();
        expect(terminalOf(seen)).toMatchObject({ type: "error", retryable: false });
        expect(deltasOf(seen)).toBe(0);
      }
    });
  });
}
