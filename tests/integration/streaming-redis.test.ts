/**
 * Two replicas sharing only PostgreSQL (when TEST_DATABASE_URL is set, else PGlite) and Redis (TEST_REDIS_URL):
 * replica B resumes and cancels answers that replica A produces, and the conversation lease keeps their answers
 * apart. Each replica has its own Redis connections (A: services' cache, B: its own RedisCache).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { authedApp } from "../helpers/authed-app";
import { AnswerStreams } from "../../api/streaming/answer-streams";
import { answerEvents } from "../../api/streaming/sse-reader";
import { StreamBuffer } from "../../api/streaming/stream-buffer";
import { RedisCache } from "../../core/stores/redis-cache";
import { testServices, type TestServices } from "../helpers/services";
import { ingestKb } from "./conversations-kb";

const REDIS = process.env.TEST_REDIS_URL;
const QUESTION = "How long do I have to return a laptop?";
type Ev = { id: number; event: string; data: Record<string, any> };

describe.skipIf(!REDIS)("answers across replicas through Redis", () => {
  let t: TestServices;
  let a: ReturnType<typeof createApp>;
  let b: ReturnType<typeof createApp>;
  let bCache: RedisCache;
  let bAnswers: AnswerStreams;
  const call = (app: typeof a, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.handle(
      new Request(`http://local${path}`, {
        method,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  const collect = async (res: Response, stop?: (e: Ev) => boolean) => {
    const out: Ev[] = [];
    for await (const e of answerEvents(res.body!)) {
      out.push(e as Ev);
      if (stop?.(e as Ev)) break;
    }
    return out;
  };
  const text = (evs: Ev[]) => evs.filter((e) => e.event === "delta").map((e) => e.data.text).join("");

  beforeAll(async () => {
    const env = { REDIS_URL: REDIS!, STREAM_BUFFER_TTL_SECONDS: "120", EXTRACTIVE_DELTA_DELAY_MS: "25", STREAM_ABORT_GRACE_MS: "3000" };
    t = await testServices(process.env.TEST_DATABASE_URL ? "postgres" : "pglite", env);
    await ingestKb(t);
    a = authedApp(t.services);
    bCache = await RedisCache.connect({ url: REDIS! });
    const streamBuffer = new StreamBuffer(bCache, { ttlSeconds: 120 });
    bAnswers = new AnswerStreams({ pipeline: t.services.answerPipeline, buffer: streamBuffer, streaming: t.config.streaming });
    b = authedApp({ ...t.services, cache: bCache, streamBuffer, answers: bAnswers });
  }, 60_000);
  afterAll(async () => {
    await bAnswers?.close();
    await bCache?.close();
    await t?.cleanup();
  });

  test("the cache is Redis and healthy", async () => {
    expect(t.services.cache.kind).toBe("redis");
    const h = (await (await call(a, "GET", "/v1/health")).json()) as { components: Record<string, { state: string; kind: string }> };
    expect(h.components.cache).toMatchObject({ state: "ok", kind: "redis" });
  });

  test("replica B resumes a stream replica A is producing", async () => {
    const conv = ((await (await call(a, "POST", "/v1/conversations", {})).json()) as { id: string }).id;
    const res = await call(a, "POST", `/v1/conversations/${conv}/messages/stream`, { content: QUESTION });
    const messageId = res.headers.get("x-message-id")!;
    const first = await collect(res, (e) => e.event === "delta");
    const rest = await collect(await call(b, "GET", `/v1/conversations/${conv}/messages/${messageId}/stream`, undefined, { "last-event-id": String(first.at(-1)!.id) }));
    expect(rest[0]!.id).toBe(first.at(-1)!.id + 1);
    const done = rest.at(-1)!;
    expect(done).toMatchObject({ event: "done", data: { status: "complete" } });
    expect(text([...first, ...rest])).toBe(done.data.answer);
    // B's own POST on the same conversation waits for nobody now; while A answers, B gets 409.
    const again = await call(a, "POST", `/v1/conversations/${conv}/messages/stream`, { content: QUESTION });
    const busy = await call(b, "POST", `/v1/conversations/${conv}/messages`, { content: "Do you ship to Canada?" });
    expect(busy.status).toBe(409);
    await again.text();
  });

  test("replica B cancels an answer replica A is producing", async () => {
    const conv = ((await (await call(a, "POST", "/v1/conversations", {})).json()) as { id: string }).id;
    const res = await call(a, "POST", `/v1/conversations/${conv}/messages/stream`, { content: QUESTION });
    const messageId = res.headers.get("x-message-id")!;
    const evs = await collect(res, (e) => {
      if (e.event === "delta" && e.id === 2) void bAnswers.cancel(messageId);
      return false;
    });
    expect(evs.at(-1)).toMatchObject({ event: "done", data: { status: "partial", finishReason: "abort" } });
  });
});
