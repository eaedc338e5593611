/**
 * Streaming answers: SSE events and ids, resume with Last-Event-ID (also on another replica, i.e. another
 * AnswerStreams sharing only the database and the cache), heartbeat, client disconnect, cancel, and the
 * WebSocket protocol over a real listening server. The extractive generator is paced (EXTRACTIVE_DELTA_DELAY_MS)
 * so that a stream lasts long enough to be interrupted.
 */
import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import type { Services } from "../../api/services";
import { AnswerStreams } from "../../api/streaming/answer-streams";
import { answerEvents, readSse } from "../../api/streaming/sse-reader";
import { testServices, type TestServices } from "../helpers/services";
import { ingestKb } from "./conversations-kb";

type Ev = { id: number; event: string; data: Record<string, any> };

const QUESTION = "How long do I have to return a laptop?";

describe("streaming answers (SSE and WebSocket)", () => {
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  const call = (a: { handle: (r: Request) => Promise<Response> }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    a.handle(
      new Request(`http://local${path}`, {
        method,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  const newConversation = async () => ((await (await call(app, "POST", "/v1/conversations", {})).json()) as { id: string }).id;
  const collect = async (res: Response, stopAfter?: (e: Ev) => boolean): Promise<Ev[]> => {
    const out: Ev[] = [];
    for await (const e of answerEvents(res.body!)) {
      out.push(e as Ev);
      if (stopAfter?.(e as Ev)) break; // leaving the loop cancels the body: the client disconnects
    }
    return out;
  };
  const textOf = (evs: Ev[]) => evs.filter((e) => e.event === "delta").map((e) => e.data.text).join("");
  const message = async (id: string) => t.services.conversations.getMessage(t.config.defaultTenant, id);
  const settled = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      const m = await message(id);
      if (m && m.status !== "streaming") return m;
      await Bun.sleep(10);
    }
    throw new Error(`message ${id} is still streaming`);
  };
  /** Another replica: its own AnswerStreams (running answers, consumers), sharing the database and the cache. */
  const replica = (overrides: Partial<Services["config"]["streaming"]> = {}) => {
    const answers = new AnswerStreams({
      pipeline: t.services.answerPipeline,
      buffer: t.services.streamBuffer,
      streaming: { ...t.config.streaming, ...overrides },
      log: (l) => console.error(l),
    });
    return { answers, app: authedApp({ ...t.services, answers }) };
  };

  beforeAll(async () => {
    t = await testServices("pglite", { EXTRACTIVE_DELTA_DELAY_MS: "25", SSE_HEARTBEAT_MS: "20", STREAM_ABORT_GRACE_MS: "3000" });
    app = authedApp(t.services);
    await ingestKb(t);
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  test("events come in order with consecutive ids: meta, deltas and citations, then done (the persisted message)", async () => {
    const conv = await newConversation();
    const res = await call(app, "POST", `/v1/conversations/${conv}/messages/stream`, { content: QUESTION });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const messageId = res.headers.get("x-message-id")!;
    const evs = await collect(res);
    expect(evs.map((e) => e.id)).toEqual(evs.map((_, i) => i + 1));
    expect(evs[0]!.event).toBe("meta");
    expect(evs[0]!.data).toMatchObject({ messageId, conversationId: conv, question: QUESTION, rewritten: false, route: "answer", generator: "extractive-v1" });
    expect(evs.at(-1)!.event).toBe("done");
    expect(evs.filter((e) => e.event === "done")).toHaveLength(1);
    const done = evs.at(-1)!.data;
    expect(done).toMatchObject({ messageId, status: "complete", decision: "PASS", finishReason: "stop" });
    expect(textOf(evs)).toBe(done.answer);
    expect(done.answer).toContain("within 15 days");
    const citations = evs.filter((e) => e.event === "citation");
    expect(citations.length).toBeGreaterThan(0);
    for (const c of citations) {
      const n = c.data.n as number;
      // A citation follows the delta that carries its marker.
      expect(textOf(evs.filter((e) => e.id < c.id))).toContain(`[${n}]`);
      expect(c.data).toMatchObject({ n, documentId: expect.any(String), title: "Return policy", snippet: expect.any(String) });
    }
    expect(done.citations.map((c: { n: number }) => c.n)).toEqual(citations.map((c) => c.data.n));
    const stored = await message(messageId);
    expect(stored).toMatchObject({ status: "complete", content: done.answer, decision: "PASS" });
    expect(stored!.metadata.lastEventId).toBe(evs.at(-1)!.id);
  });

  test("a heartbeat comment is sent while the stream is open", async () => {
    const conv = await newConversation();
    const res = await call(app, "POST", `/v1/conversations/${conv}/messages/stream`, { content: QUESTION });
    const comments: string[] = [];
    for await (const m of readSse(res.body!)) if (m.comment !== undefined) comments.push(m.comment);
    expect(comments).toContain("ping");
  });

  test("a dropped connection resumes from Last-Event-ID without loss (header or query), then replays when finished", async () => {
    const conv = await newConversation();
    const res = await call(app, "POST", `/v1/conversations/${conv}/messages/stream`, { content: QUESTION });
    const messageId = res.headers.get("x-message-id")!;
    const first = await collect(res, (e) => e.id >= 3);
    expect(first.at(-1)!.id).toBe(3);
    const resumed = await collect(await call(app, "GET", `/v1/conversations/${conv}/messages/${messageId}/stream`, undefined, { "last-event-id": "3" }));
    expect(resumed[0]!.id).toBe(4);
    expect(resumed.map((e) => e.id)).toEqual(resumed.map((_, i) => i + 4));
    const done = resumed.at(-1)!;
    expect(done.event).toBe("done");
    expect(textOf([...first, ...resumed])).toBe(done.data.answer);
    expect(done.data.status).toBe("complete");
    // Finished: replayed from the buffer, by query parameter; nothing after the last id.
    const again = await collect(await call(app, "GET", `/v1/conversations/${conv}/messages/${messageId}/stream?lastEventId=5`));
    expect(again[0]!.id).toBe(6);
    expect(again.at(-1)).toEqual(done);
    expect(await collect(await call(app, "GET", `/v1/conversations/${conv}/messages/${messageId}/stream`, undefined, { "last-event-id": String(done.id) }))).toEqual([]);
    // Buffer expired: the final event is rebuilt from the database, with the same id.
    await t.services.cache.delete(`answer:${messageId}:events`);
    const rebuilt = await collect(await call(app, "GET", `/v1/conversations/${conv}/messages/${messageId}/stream?lastEventId=2`));
    expect(rebuilt).toHaveLength(1);
    expect(rebuilt[0]).toMatchObject({ id: done.id, event: "done", data: { messageId, answer: done.data.answer, status: "complete" } });
  });

  test("another replica resumes a stream it did not start, live", async () => {
    const conv = await newConversation();
    const b = replica();
    const res = await call(app, "POST", `/v1/conversations/${conv}/messages/stream`, { content: QUESTION });
    const messageId = res.headers.get("x-message-id")!;
    const first = await collect(res, (e) => e.event === "delta");
    expect(t.services.answers.activeCount).toBe(1);
    expect(b.answers.activeCount).toBe(0);
    const rest = await collect(await call(b.app, "GET", `/v1/conversations/${conv}/messages/${messageId}/stream`, undefined, { "last-event-id": String(first.at(-1)!.id) }));
    expect(rest[0]!.id).toBe(first.at(-1)!.id + 1);
    expect(rest.at(-1)!.event).toBe("done");
    expect(textOf([...first, ...rest])).toBe(rest.at(-1)!.data.answer);
  });

  test("a client that disconnects stops the work; the answer is persisted as partial and no failure is logged", async () => {
    const errors = spyOn(console, "error");
    try {
      const b = replica({ abortGraceMs: 0 });
      const server = b.app.listen({ port: 0, hostname: "127.0.0.1" });
      try {
        const conv = await newConversation();
        const controller = new AbortController();
        const res = await fetch(`http://127.0.0.1:${server.server!.port}/v1/conversations/${conv}/messages/stream`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ content: QUESTION }),
          signal: controller.signal,
        });
        const messageId = res.headers.get("x-message-id")!;
        const got = await collect(res, (e) => e.event === "delta");
        controller.abort();
        const m = await settled(messageId);
        expect(m.status).toBe("partial");
        expect((m.metadata as { finishReason: string }).finishReason).toBe("abort");
        expect(m.content.startsWith(textOf(got))).toBe(true);
        // Stopped early: far less than the whole answer was written.
        const full = (await (await call(app, "POST", `/v1/conversations/${await newConversation()}/messages`, { content: QUESTION })).json()) as { answer: string };
        expect(m.content.length).toBeLessThan(full.answer.length);
        // The conversation is free again; the stream ended with a `done` for anyone resuming.
        const replay = await collect(await call(app, "GET", `/v1/conversations/${conv}/messages/${messageId}/stream?lastEventId=${got.at(-1)!.id}`));
        expect(replay.at(-1)).toMatchObject({ event: "done", data: { status: "partial" } });
        expect((await call(app, "POST", `/v1/conversations/${conv}/messages`, { content: "Do you ship to Canada?" })).status).toBe(200);
      } finally {
        server.stop(true);
      }
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  test("within the grace period a resume keeps the answer going", async () => {
    const conv = await newConversation();
    const res = await call(app, "POST", `/v1/conversations/${conv}/messages/stream`, { content: QUESTION });
    const messageId = res.headers.get("x-message-id")!;
    const first = await collect(res, (e) => e.event === "delta");
    await Bun.sleep(50); // disconnected for a moment (STREAM_ABORT_GRACE_MS is 3 s here)
    const rest = await collect(await call(app, "GET", `/v1/conversations/${conv}/messages/${messageId}/stream?lastEventId=${first.at(-1)!.id}`));
    expect(rest.at(-1)!.data.status).toBe("complete");
  });

  test("cancel stops an answer running on another replica", async () => {
    const conv = await newConversation();
    const b = replica();
    const res = await call(app, "POST", `/v1/conversations/${conv}/messages/stream`, { content: QUESTION });
    const messageId = res.headers.get("x-message-id")!;
    const evs = await collect(res, (e) => {
      if (e.event === "delta" && e.id === 2) void b.answers.cancel(messageId);
      return false;
    });
    expect(evs.at(-1)).toMatchObject({ event: "done", data: { status: "partial", finishReason: "abort" } });
  });

  describe("bad resume requests", () => {
    let conv: string;
    let messageId: string;
    beforeAll(async () => {
      conv = await newConversation();
      const a = (await (await call(app, "POST", `/v1/conversations/${conv}/messages`, { content: QUESTION })).json()) as { messageId: string };
      messageId = a.messageId;
    });
    const status = async (path: string, headers: Record<string, string> = {}) => {
      const res = await call(app, "GET", path, undefined, headers);
      return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
    };
    test("a malformed Last-Event-ID is 400", async () => {
      for (const bad of ["abc", "-1", "1.5", "9".repeat(12)]) {
        expect(await status(`/v1/conversations/${conv}/messages/${messageId}/stream`, { "last-event-id": bad })).toEqual({ status: 400, code: "INVALID_LAST_EVENT_ID" });
      }
      expect(await status(`/v1/conversations/${conv}/messages/${messageId}/stream?lastEventId=x7`)).toEqual({ status: 400, code: "INVALID_LAST_EVENT_ID" });
    });
    test("unknown messages, and messages of another conversation, are 404", async () => {
      expect(await status(`/v1/conversations/${conv}/messages/msg_nope/stream`)).toEqual({ status: 404, code: "MESSAGE_NOT_FOUND" });
      const other = await newConversation();
      expect(await status(`/v1/conversations/${other}/messages/${messageId}/stream`)).toEqual({ status: 404, code: "MESSAGE_NOT_FOUND" });
      const userMessage = (await t.services.conversations.messages(t.config.defaultTenant, conv))[0]!;
      expect(await status(`/v1/conversations/${conv}/messages/${userMessage.id}/stream`)).toEqual({ status: 404, code: "MESSAGE_NOT_FOUND" });
    });
  });

  describe("WebSocket /v1/ws", () => {
    let server: ReturnType<ReturnType<typeof createApp>["listen"]>;
    let url: string;
    beforeAll(() => {
      server = authedApp(t.services).listen({ port: 0, hostname: "127.0.0.1" });
      url = `ws://127.0.0.1:${server.server!.port}/v1/ws`;
    });
    afterAll(() => server.stop(true));

    type Frame = { type: string; id?: number; messageId?: string; ref?: string; data?: Record<string, any>; ts?: number };
    const connect = async () => {
      const ws = new WebSocket(url);
      const frames: Frame[] = [];
      const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
      ws.onmessage = (m) => {
        const f = JSON.parse(String(m.data)) as Frame;
        frames.push(f);
        for (const w of [...waiters]) if (w.pred(f)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(f));
      };
      await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));
      const next = (pred: (f: Frame) => boolean, ms = 3000) =>
        new Promise<Frame>((resolve, reject) => {
          const seen = frames.find(pred);
          if (seen) return resolve(seen);
          const timer = setTimeout(() => reject(new Error("no such frame")), ms);
          waiters.push({ pred, resolve: (f) => (clearTimeout(timer), resolve(f)) });
        });
      return { ws, frames, next, send: (o: unknown) => ws.send(typeof o === "string" ? o : JSON.stringify(o)) };
    };

    test("a message streams the same events as SSE; ping gets pong; the server pings", async () => {
      const c = await connect();
      const conv = await newConversation();
      c.send({ type: "message", conversationId: conv, content: QUESTION });
      const done = await c.next((f) => f.type === "done");
      const evs = c.frames.filter((f) => f.messageId === done.messageId);
      expect(evs[0]).toMatchObject({ type: "meta", id: 1 });
      expect(evs.map((f) => f.id)).toEqual(evs.map((_, i) => i + 1));
      expect(evs.filter((f) => f.type === "delta").map((f) => f.data!.text).join("")).toBe(done.data!.answer);
      expect(evs.some((f) => f.type === "citation")).toBe(true);
      c.send({ type: "ping" });
      expect((await c.next((f) => f.type === "pong")).ts).toBeGreaterThan(0);
      await c.next((f) => f.type === "ping"); // heartbeat every SSE_HEARTBEAT_MS
      c.ws.close();
    });

    test("cancel stops the answer in flight; it is persisted as partial", async () => {
      const c = await connect();
      const conv = await newConversation();
      c.send({ type: "message", conversationId: conv, content: QUESTION });
      const delta = await c.next((f) => f.type === "delta");
      c.send({ type: "cancel", messageId: delta.messageId });
      const done = await c.next((f) => f.type === "done");
      expect(done.data).toMatchObject({ status: "partial", finishReason: "abort" });
      expect((await settled(delta.messageId!)).status).toBe("partial");
      c.ws.close();
    });

    test("after a reconnect, resume continues from lastEventId", async () => {
      const c1 = await connect();
      const conv = await newConversation();
      c1.send({ type: "message", conversationId: conv, content: QUESTION });
      const d = await c1.next((f) => f.type === "delta" && f.id! >= 3);
      c1.ws.close();
      const got = c1.frames.filter((f) => f.messageId === d.messageId && f.id! <= d.id!);
      const c2 = await connect();
      c2.send({ type: "resume", messageId: d.messageId, lastEventId: d.id });
      const done = await c2.next((f) => f.type === "done");
      const rest = c2.frames.filter((f) => f.messageId === d.messageId);
      expect(rest[0]!.id).toBe(d.id! + 1);
      const all = [...got, ...rest].filter((f) => f.type === "delta").map((f) => f.data!.text).join("");
      expect(all).toBe(done.data!.answer);
      expect(done.data!.status).toBe("complete");
      c2.ws.close();
    });

    test("bad frames get error frames with a status; the connection stays usable", async () => {
      const c = await connect();
      const conv = await newConversation();
      const err = async (frame: unknown, status: number, code: string) => {
        const before = c.frames.length;
        c.send(frame);
        const f = await c.next((x) => x.type === "error" && c.frames.indexOf(x) >= before);
        expect(f.data).toMatchObject({ status, code });
      };
      await err("not json", 400, "INVALID_FRAME");
      await err([1, 2], 400, "INVALID_FRAME");
      await err({ type: "shout" }, 400, "UNKNOWN_FRAME_TYPE");
      await err({ type: "message", conversationId: "conv_nope", content: "hi there" }, 404, "CONVERSATION_NOT_FOUND");
      await err({ type: "message", conversationId: conv, content: "  " }, 422, "MESSAGE_EMPTY");
      await err({ type: "message", content: "hi" }, 400, "INVALID_FRAME");
      await err({ type: "resume", messageId: "msg_nope", lastEventId: 0 }, 404, "MESSAGE_NOT_FOUND");
      await err({ type: "resume", messageId: "msg_nope", lastEventId: "abc" }, 400, "INVALID_LAST_EVENT_ID");
      await err({ type: "cancel", messageId: "msg_nope" }, 404, "MESSAGE_NOT_FOUND");
      c.send({ type: "message", conversationId: conv, content: QUESTION, ref: "r1" });
      await err({ type: "message", conversationId: conv, content: QUESTION, ref: "r2" }, 409, "CONVERSATION_BUSY");
      expect(c.frames.find((f) => f.type === "error" && f.ref === "r2")).toBeDefined();
      expect((await c.next((f) => f.type === "done")).data!.status).toBe("complete");
      c.ws.close();
    });
  });
});
