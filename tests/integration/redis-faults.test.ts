/**
 * Redis killed while answers stream (REDIS_URL set), against a real redis-server this suite starts and kills:
 * the open stream goes on to its end without waiting for the resume buffer, new messages are answered at once
 * (their `meta` says resumable: false), and once Redis is back, resume works again by itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { answerEvents } from "../../api/streaming/sse-reader";
import { testServices, type TestServices } from "../helpers/services";
import { peerAvailable, RedisPeer, waitUntil } from "../support/peers";
import { ingestKb } from "./conversations-kb";

const QUESTION = "How long do I have to return a laptop?";
type Ev = { id: number; event: string; data: Record<string, any> };

describe.skipIf(!peerAvailable("redis-server", "redis faults"))("Redis killed while answers stream", () => {
  let redis: RedisPeer;
  let t: TestServices;
  let app: ReturnType<typeof createApp>;
  const call = (method: string, path: string, body?: unknown) =>
    app.handle(new Request(`http://local${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }));
  const conversation = async () => ((await (await call("POST", "/v1/conversations", {})).json()) as { id: string }).id;

  beforeAll(async () => {
    redis = await RedisPeer.start();
    // ~40 deltas, 40 ms apart: the answer streams for over a second.
    t = await testServices("pglite", { REDIS_URL: redis.url, EXTRACTIVE_DELTA_DELAY_MS: "40", STREAM_BUFFER_TTL_SECONDS: "60" });
    await ingestKb(t);
    app = authedApp(t.services);
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
    await redis?.stop();
  });

  test("the open stream ends normally, new answers flow without resume, and resume comes back with Redis", async () => {
    const res = await call("POST", `/v1/conversations/${await conversation()}/messages/stream`, { content: QUESTION });
    expect(res.status).toBe(200);
    const events: Ev[] = [];
    const t0 = performance.now();
    let gaps = 0;
    let last = performance.now();
    for await (const e of answerEvents(res.body!)) {
      events.push(e as Ev);
      const now = performance.now();
      if (events.length > 3) gaps = Math.max(gaps, now - last);
      last = now;
      if (events.length === 3) await redis.kill();
    }
    expect(events[0]!.data.resumable).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { status: "complete" } });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    // No event waited for the dead Redis much longer than the buffer's bound (1 s): it was 100 s before.
    expect(gaps).toBeLessThan(1500);
    expect(performance.now() - t0).toBeLessThan(10_000);

    // While Redis is down: a new message is answered, and says it cannot be resumed.
    const down = await call("POST", `/v1/conversations/${await conversation()}/messages/stream`, { content: QUESTION });
    expect(down.status).toBe(200);
    const downEvents: Ev[] = [];
    for await (const e of answerEvents(down.body!)) downEvents.push(e as Ev);
    expect(downEvents[0]).toMatchObject({ event: "meta", data: { resumable: false } });
    expect(downEvents.at(-1)).toMatchObject({ event: "done", data: { status: "complete" } });
    const health = (await (await call("GET", "/v1/health")).json()) as { status: string; components: { cache: { state: string } } };
    expect(health.components.cache.state).toBe("down");
    expect(health.status).toBe("degraded");

    // Redis comes back: the client reconnects by itself, streams are buffered again and can be resumed.
    await redis.restart();
    await waitUntil(async () => ((await (await call("GET", "/v1/health")).json()) as { components: { cache: { state: string } } }).components.cache.state === "ok", 15_000, "the cache to be healthy again");
    let resumable: { conversationId: string; events: Ev[] } | undefined;
    await waitUntil(async () => {
      const conversationId = await conversation();
      const r = await call("POST", `/v1/conversations/${conversationId}/messages/stream`, { content: QUESTION });
      const evs: Ev[] = [];
      for await (const e of answerEvents(r.body!)) evs.push(e as Ev);
      if (evs[0]?.data.resumable === true) resumable = { conversationId, events: evs };
      return resumable !== undefined;
    }, 15_000, "a stream that says it is resumable");
    // Its whole stream replays from the buffer in Redis.
    const { conversationId, events: sent } = resumable!;
    const replay = await call("GET", `/v1/conversations/${conversationId}/messages/${sent[0]!.data.messageId}/stream?lastEventId=0`);
    expect(replay.status).toBe(200);
    const replayed: Ev[] = [];
    for await (const e of answerEvents(replay.body!)) replayed.push(e as Ev);
    expect(replayed).toEqual(sent);
  }, 60_000);
});
