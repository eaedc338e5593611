import { describe, expect, test } from "bun:test";
import { errors } from "../../core/errors";
import type { StreamEvent } from "../../core/ports/language-model";
import { MemoryCache } from "../../core/stores/memory-cache";
import type { AnswerGenerator } from "../pipeline/answer-generator";
import { createAnswerPipeline } from "../pipeline/default-pipeline";
import { AnswerStreams } from "./answer-streams";
import type { AnswerEvent } from "./events";
import { StreamBuffer } from "./stream-buffer";

/** Emits `n` deltas, one every `ms`, until aborted; or fails before the first event. */
function ticking(n: number, ms: number, failFirst = false): AnswerGenerator {
  return {
    id: "ticking",
    selfGrounded: true, // a stand-in for a model: these tests are about streaming, not the grounding gate
    async *run(_input, signal): AsyncIterable<StreamEvent> {
      if (failFirst) throw errors.unavailable("NO_BACKEND", "no backend");
      let reason: "stop" | "abort" = "stop";
      yield { type: "start", model: "ticking" };
      for (let i = 0; i < n; i++) {
        if (signal?.aborted) {
          reason = "abort";
          break;
        }
        yield { type: "delta", text: `${i ? " " : ""}w${i}` };
        await Bun.sleep(ms);
      }
      yield { type: "finish", reason, assessment: { decision: "PASS", confidence: 0.5 } };
    },
  };
}

function setup(generator: AnswerGenerator, abortGraceMs: number) {
  const lease = { renewed: 0, released: 0 };
  const pipeline = createAnswerPipeline({
    config: { limits: { maxQueryChars: 1000 } } as never,
    retriever: { retrieve: async () => ({ passages: [], channels: {}, tookMs: 0 }) },
    generator,
  });
  const buffer = new StreamBuffer(new MemoryCache(), { ttlSeconds: 60 });
  const logs: string[] = [];
  const streams = new AnswerStreams({ pipeline, buffer, streaming: { abortGraceMs, leaseMs: 150 }, log: (l) => logs.push(l) });
  const launch = (consumer?: string, messageId = `m${Math.random()}`) =>
    streams.launch({
      tenantId: "t",
      conversationId: "c",
      messageId,
      userMessageId: "u",
      content: "hello there",
      history: [],
      consumer,
      lease: { renew: async () => (lease.renewed++, true), release: async () => void lease.released++ },
    });
  return { streams, buffer, lease, logs, launch };
}

const drain = async (it: AsyncIterable<AnswerEvent>) => {
  const out: AnswerEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};

describe("AnswerStreams", () => {
  test("numbers the events, buffers them, ends with done and releases the lease", async () => {
    const s = setup(ticking(3, 1), 0);
    const live = await s.launch("origin", "m1");
    const evs = await drain(live.events("origin"));
    expect(evs.map((e) => e.event)).toEqual(["meta", "delta", "delta", "delta", "done"]);
    expect(evs.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect((await live.final).answer).toBe("w0 w1 w2");
    expect((await s.buffer.read("m1", 0)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(s.lease.released).toBe(1);
    // A late local consumer gets the whole log.
    expect((await drain(live.events())).length).toBe(5);
    expect(s.streams.activeCount).toBe(0);
  });

  test("a failure before the first event is thrown and the lease released", async () => {
    const s = setup(ticking(3, 1, true), 0);
    await expect(s.launch("origin")).rejects.toMatchObject({ code: "NO_BACKEND", status: 503 });
    expect(s.lease.released).toBe(1);
    expect(s.streams.activeCount).toBe(0);
  });

  test("the last consumer leaving stops the work after the grace period; a resume in time keeps it going", async () => {
    const s = setup(ticking(40, 5), 40);
    const a = await s.launch("origin");
    const it = a.events("origin");
    await it.next();
    await it.return!();
    const partial = await a.final;
    expect(partial.status).toBe("partial");
    expect(partial.answer.split(" ").length).toBeLessThan(30);
    expect(s.logs).toEqual([]); // an abort is not a failure

    const b = await s.launch("origin", "m-resumed");
    const first = b.events("origin");
    await first.next();
    await first.return!();
    const follower = s.streams.follow("m-resumed", 1, "resumer", async () => null);
    const rest = await drain(follower);
    expect(rest.at(-1)).toMatchObject({ event: "done", data: { status: "complete" } });
    expect((await b.final).answer.split(" ").length).toBe(40);
  });

  test("without a starting consumer (non-streaming request) the answer always completes; cancel stops it", async () => {
    const s = setup(ticking(5, 2), 0);
    const a = await s.launch(undefined, "m-free");
    expect((await a.final).status).toBe("complete");
    const b = await s.launch(undefined, "m-cancel");
    await s.streams.cancel("m-cancel");
    expect((await b.final).status).toBe("partial");
  });

  test("the lease is renewed while the answer runs", async () => {
    const s = setup(ticking(30, 10), 0);
    const a = await s.launch();
    await a.final;
    expect(s.lease.renewed).toBeGreaterThanOrEqual(2);
  });
});
