/** Shared helpers of the inference integration tests: bounded collection of streams, polling, fixtures. */
import { afterEach } from "bun:test";
import type { GenerateRequest, StreamEvent } from "../../core/ports/language-model";
import { startSimulator, type SimulatorHandle } from "../../inference/simulator/server";
import type { SimulatorInput } from "../../inference/simulator/options";

/** Fast timings so a whole answer takes tens of milliseconds. */
export const FAST: SimulatorInput = { port: 0, ttftBaseMs: 5, prefillMsPerToken: 0, itlBaseMs: 2, itlAlpha: 0, tickMs: 2 };

export const QUESTION: GenerateRequest = {
  messages: [{ role: "user", content: "How long does the warranty last?" }],
  passages: [
    { id: "warranty", text: "The warranty lasts two years from delivery. It covers manufacturing defects." },
    { id: "returns", text: "Returns are accepted within 30 days." },
  ],
};

/** A request whose answer is long (with `outputTokens` on the simulator it is exactly that many tokens). */
export const LONG: GenerateRequest = { ...QUESTION, maxTokens: 5000 };

export function sims(...inputs: SimulatorInput[]): SimulatorHandle[] {
  return inputs.map((i) => startSimulator({ ...FAST, ...i }));
}

export async function stopAll(list: { stop(): Promise<void> }[]): Promise<void> {
  await Promise.all(list.map((s) => s.stop()));
}

/**
 * The simulators and clients a test file opens, closed after each test: call once at the top of the file and
 * push into the returned lists.
 */
export function closedAfterEach(): { open: SimulatorHandle[]; clients: { close(): void }[] } {
  const tracked = { open: [] as SimulatorHandle[], clients: [] as { close(): void }[] };
  afterEach(async () => {
    for (const c of tracked.clients.splice(0)) c.close();
    await stopAll(tracked.open.splice(0));
  });
  return tracked;
}

/** Collects a stream; fails (instead of hanging) past `ms`. */
export async function collect(stream: AsyncIterable<StreamEvent>, ms = 5000): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  const it = stream[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`stream did not end within ${ms} ms`)), Math.max(0, left)))),
    ]).finally(() => clearTimeout(timer));
    if (r.done) return out;
    out.push(r.value);
  }
}

/** The error a stream throws before its first event (fails if it does not throw). */
export async function rejection(stream: AsyncIterable<StreamEvent>, ms = 5000): Promise<any> {
  try {
    await collect(stream, ms);
  } catch (e) {
    return e;
  }
  throw new Error("expected the stream to throw");
}

export const textOf = (events: StreamEvent[]) => events.map((e) => (e.type === "delta" ? e.text : "")).join("");
export const typesOf = (events: StreamEvent[]) => [...new Set(events.map((e) => e.type))];
export const lastOf = (events: StreamEvent[]) => events[events.length - 1]!;

export async function waitFor(cond: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await Bun.sleep(5);
  }
}

/** A loopback URL where nothing listens (a simulator started and stopped again). */
export async function deadUrl(): Promise<string> {
  const s = startSimulator({ port: 0 });
  const url = s.url;
  await s.stop();
  return url;
}
