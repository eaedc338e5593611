import { describe, expect, test } from "bun:test";
import { isAppError } from "../../core/errors";
import type { AnswerEvent } from "./events";
import { answerEventResponse, directStream, encodeSse, parseLastEventId, sseComment, sseStream } from "./sse";
import { answerEvents, readSse } from "./sse-reader";

const meta = (id: number): AnswerEvent => ({ id, event: "meta", data: { messageId: "m", userMessageId: "u", conversationId: "c", route: "answer", resumable: true } });

describe("SSE", () => {
  test("encodes id, event, retry and data; multi-line data is one data line per line; comments", () => {
    expect(encodeSse({ id: 3, event: "delta", data: JSON.stringify({ text: "a\nb" }) })).toBe('id: 3\nevent: delta\ndata: {"text":"a\\nb"}\n\n');
    expect(encodeSse({ data: "line 1\nline 2\r\nline 3\rline 4" })).toBe("data: line 1\ndata: line 2\ndata: line 3\ndata: line 4\n\n");
    expect(encodeSse({ data: "[DONE]" })).toBe("data: [DONE]\n\n");
    expect(encodeSse({ event: "x", data: "", retry: 1500 })).toBe("event: x\nretry: 1500\ndata: \n\n");
    expect(sseComment("ping\nx")).toBe(": ping x\n\n");
  });

  test("CR or LF in an id or an event name is refused (it would forge events)", () => {
    expect(() => encodeSse({ id: "1\nevent: done", data: "x" })).toThrow("must not contain CR or LF");
    expect(() => encodeSse({ event: "delta\r", data: "x" })).toThrow("must not contain CR or LF");
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

  test("an answer response streams the events (round trip through the reader) and ends", async () => {
    const events: AnswerEvent[] = [meta(1), { id: 2, event: "delta", data: { text: "Hello" } }, { id: 3, event: "error", data: { code: "X", message: "x" } }];
    let completed: boolean | undefined;
    const res = answerEventResponse((async function* () { yield* events; })(), { heartbeatMs: 1000, retryMs: 1500, onClose: (c) => (completed = c), headers: { "x-message-id": "m" } });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("x-message-id")).toBe("m");
    const got: AnswerEvent[] = [];
    for await (const e of answerEvents(res.body!)) got.push(e as AnswerEvent);
    expect(got).toEqual(events);
    expect(completed).toBe(true);
  });

  test("heartbeat comments while waiting; a client that goes away closes the source", async () => {
    let finallyRan = false;
    let completed: boolean | undefined;
    async function* slow(): AsyncGenerator<AnswerEvent> {
      try {
        yield meta(1);
        await new Promise(() => {}); // never produces another event
      } finally {
        finallyRan = true;
      }
    }
    const res = answerEventResponse(slow(), { heartbeatMs: 10, onClose: (c) => (completed = c) });
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

  test("a source that throws ends the stream with an error event whose id continues the sequence", async () => {
    async function* failing(): AsyncGenerator<AnswerEvent> {
      yield meta(1);
      yield { id: 2, event: "delta", data: { text: "Hi" } };
      throw Object.assign(new Error("nope"), { code: "X_FAILED" });
    }
    const res = answerEventResponse(failing(), { heartbeatMs: 1000 });
    const got = [];
    for await (const e of answerEvents(res.body!)) got.push(e);
    expect(got.at(-1)).toEqual({ id: 3, event: "error", data: { code: "X_FAILED", message: "nope" } });
    const empty = answerEventResponse((async function* (): AsyncGenerator<AnswerEvent> { throw new Error("at once"); })(), { heartbeatMs: 1000 });
    const first = [];
    for await (const e of answerEvents(empty.body!)) first.push(e);
    expect(first).toEqual([{ id: 1, event: "error", data: { code: "STREAM_FAILED", message: "at once" } }]);
  });

  test("sseStream: raw chunks and messages in order; the client leaving calls onCancel once", async () => {
    let cancelled = 0;
    let release!: () => void;
    const res = sseStream(
      async (w) => {
        w.raw("data: a\n\n");
        w.send({ data: "b" });
        await new Promise<void>((r) => (release = r));
        w.send({ data: "after" }); // ignored: the client is gone
        expect(w.closed).toBe(true);
      },
      { heartbeatMs: 1000, onCancel: () => cancelled++ },
    );
    const seen: string[] = [];
    for await (const m of readSse(res.body!)) {
      if (m.comment === undefined) seen.push(m.data);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(["a", "b"]);
    await Bun.sleep(5);
    expect(cancelled).toBe(1);
    release();
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
