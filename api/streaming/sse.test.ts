import { describe, expect, test } from "bun:test";
import { isAppError } from "../../core/errors";
import type { AnswerEvent } from "./events";
import { directStream, encodeSse, parseLastEventId, sseComment, sseResponse } from "./sse";
import { answerEvents, readSse } from "./sse-reader";

describe("SSE", () => {
  test("encodes events with id, event and one data line; comments", () => {
    expect(encodeSse({ id: 3, event: "delta", data: { text: "a\nb" } })).toBe('id: 3\nevent: delta\ndata: {"text":"a\\nb"}\n\n');
    expect(sseComment("ping\nx")).toBe(": ping x\n\n");
  });

  test("Last-Event-ID: header first, then query; anything but a whole number is 400", () => {
    expect(parseLastEventId(null, null)).toBe(0);
    expect(parseLastEventId("7", "2")).toBe(7);
    expect(parseLastEventId(undefined, " 12 ")).toBe(12);
    for (const bad of ["x", "-1", "1.0", "1e3", "0x10", "1234567890"]) {
      const err = (() => {
        try {
          parseLastEventId(bad, null);
        } catch (e) {
          return e;
        }
      })();
      expect(isAppError(err) && err.status === 400 && err.code === "INVALID_LAST_EVENT_ID").toBe(true);
    }
  });

  test("a response streams the events (round trip through the reader) and ends", async () => {
    const events: AnswerEvent[] = [
      { id: 1, event: "meta", data: { messageId: "m" } },
      { id: 2, event: "delta", data: { text: "Hello" } },
      { id: 3, event: "done", data: { answer: "Hello" } },
    ];
    let completed: boolean | undefined;
    const res = sseResponse((async function* () { yield* events; })(), { heartbeatMs: 1000, retryMs: 1500, onClose: (c) => (completed = c), headers: { "x-message-id": "m" } });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("x-message-id")).toBe("m");
    const got = [];
    for await (const e of answerEvents(res.body!)) got.push(e);
    expect(got).toEqual(events);
    expect(completed).toBe(true);
  });

  test("heartbeat comments while waiting; a client that goes away closes the source", async () => {
    let finallyRan = false;
    let completed: boolean | undefined;
    async function* slow(): AsyncGenerator<AnswerEvent> {
      try {
        yield { id: 1, event: "meta", data: {} };
        await new Promise(() => {}); // never produces another event
      } finally {
        finallyRan = true;
      }
    }
    const res = sseResponse(slow(), { heartbeatMs: 10, onClose: (c) => (completed = c) });
    const seen: string[] = [];
    for await (const m of readSse(res.body!)) {
      seen.push(m.comment !== undefined ? `:${m.comment}` : m.event);
      if (seen.filter((s) => s === ":ping").length >= 2) break; // cancels the body
    }
    expect(seen[0]).toBe("meta");
    expect(completed).toBe(false);
    await Bun.sleep(5);
    expect(finallyRan).toBe(false); // a pending generator next() cannot be interrupted; queue-based sources (AsyncQueue) end at once
  });

  test("a source that throws ends the stream with an error event", async () => {
    const res = sseResponse((async function* (): AsyncGenerator<AnswerEvent> { throw Object.assign(new Error("nope"), { code: "X_FAILED" }); })(), { heartbeatMs: 1000 });
    const got = [];
    for await (const e of answerEvents(res.body!)) got.push(e);
    expect(got).toEqual([{ id: 0, event: "error", data: { code: "X_FAILED", message: "nope" } }]);
  });
});

describe("directStream", () => {
  test("a slow reader over real HTTP gets every chunk, in order (writes are buffered, never dropped)", async () => {
    const n = 5000;
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () =>
        new Response(
          directStream(
            async (out) => {
              for (let i = 0; i < n; i++) {
                out.write(`data: ${i} ${"x".repeat(200)}\n\n`);
                out.flush();
              }
              out.close();
            },
            () => {},
          ),
        ),
    });
    try {
      const reader = (await fetch(`http://127.0.0.1:${server.port}/`)).body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      for (let reads = 0; ; reads++) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        if (reads < 10) await Bun.sleep(30); // the socket buffer fills while the reader dawdles
      }
      const ids = [...text.matchAll(/data: (\d+) /g)].map((m) => Number(m[1]));
      expect(ids.length).toBe(n);
      expect(ids.every((id, i) => id === i)).toBe(true);
    } finally {
      server.stop(true);
    }
  });
});
