/**
 * Rate limits on a real Redis (TEST_REDIS_URL, own key prefix, removed afterwards): two replicas (two apps, each
 * with its own connection and limiter) share one window; with Redis unreachable (its port closed) or hanging,
 * requests are allowed (fail open: logged once, counted in rate_limit_fail_open_total) and limits apply again
 * once Redis answers.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { Registry } from "prom-client";
import { errorsPlugin } from "../../api/plugins/errors";
import { rateLimitPlugin } from "../../api/plugins/rate-limit";
import { RateLimiter } from "../../api/plugins/rate-limiter";
import type { RateLimitConfig } from "../../core/config";
import { RedisCache } from "../../core/stores/redis-cache";
import { freePort, TcpProxy, waitUntil, deleteRedisKeys } from "../support/peers";

const REDIS = process.env.TEST_REDIS_URL;
if (!REDIS) console.warn("TEST_REDIS_URL is not set: the Redis rate-limit suite is skipped.");
const prefix = `cs-rl-test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}:`;
const LIMITS: RateLimitConfig = { perIp: 5, perToken: 0, perTenant: 0, windowMs: 60_000, exemptLoopback: true };
const opened: RedisCache[] = [];

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  if (REDIS) await deleteRedisKeys(REDIS, prefix);
});

/** One replica: its own Redis connection, limiter, metrics and app. */
async function replica(url: string, o: { commandTimeoutMs?: number } = {}) {
  const log: string[] = [];
  const cache = await RedisCache.connect({ url, keyPrefix: prefix, connectTimeoutMs: 2000, commandTimeoutMs: o.commandTimeoutMs });
  opened.push(cache);
  const metrics = new Registry();
  const limiter = new RateLimiter({ cache, metrics, log: (l) => log.push(l) });
  const app = new Elysia().use(errorsPlugin).use(rateLimitPlugin({ limiter, limits: LIMITS, trustProxy: 1 })).get("/v1/things", () => ({ ok: true }));
  const get = (ip: string) => app.handle(new Request("http://local/v1/things", { headers: { "x-forwarded-for": ip } }));
  return { cache, metrics, limiter, get, log };
}

/** A TCP proxy in front of Redis that can stop forwarding (Redis hangs: connected, no answers). */
async function freezableProxy(target: { hostname: string; port: number }) {
  const port = await freePort();
  let frozen = false;
  const held: (() => void)[] = [];
  const server = Bun.listen<{ up?: { write(d: Uint8Array): number; end(): void }; queue: Uint8Array[] }>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(client) {
        client.data = { queue: [] };
        void Bun.connect({ ...target, socket: { data: (_s, d) => void client.write(d), close: () => void client.end(), error: () => void client.end() } }).then((up) => {
          client.data.up = up;
          for (const q of client.data.queue) up.write(q);
        });
      },
      data(client, d) {
        const chunk = new Uint8Array(d);
        const send = () => (client.data.up ? client.data.up.write(chunk) : client.data.queue.push(chunk));
        if (frozen) held.push(send);
        else send();
      },
      close(client) {
        client.data.up?.end();
      },
    },
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => void (frozen = true),
    thaw: () => {
      frozen = false;
      for (const f of held.splice(0)) f();
    },
    stop: () => server.stop(true),
  };
}

describe.skipIf(!REDIS)("rate limits on Redis", () => {
  const target = () => {
    const u = new URL(REDIS!);
    return { hostname: u.hostname, port: Number(u.port || 6379) };
  };

  test("two replicas share one window", async () => {
    const a = await replica(REDIS!);
    const b = await replica(REDIS!);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await (i % 2 ? a : b).get("203.0.113.60")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const refused = await a.get("203.0.113.60");
    expect(refused.headers.get("retry-after")).not.toBeNull();
    // Concurrent requests on both replicas: exactly the limit gets through.
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).get("203.0.113.61")));
    expect(burst.filter((r) => r.status === 200).length).toBe(5);
    expect(burst.filter((r) => r.status === 429).length).toBe(15);
  });

  test("Redis unreachable (its port closed): requests are allowed, logged once, counted; limits come back with Redis", async () => {
    const proxy = await TcpProxy.start(target());
    const r = await replica(`redis://127.0.0.1:${proxy.port}`);
    for (let i = 0; i < 5; i++) expect((await r.get("203.0.113.70")).status).toBe(200);
    expect((await r.get("203.0.113.70")).status).toBe(429);
    proxy.kill();
    const during = [];
    for (let i = 0; i < 10; i++) during.push((await r.get("203.0.113.70")).status);
    expect(during).toEqual(Array(10).fill(200));
    expect(r.log.filter((l) => l.includes("RATE_LIMIT_FAIL_OPEN")).length).toBe(1);
    expect(await r.metrics.getSingleMetricAsString("rate_limit_fail_open_total")).toMatch(/rate_limit_fail_open_total\{rule="ip"\} (\d+)/);
    proxy.restart();
    await waitUntil(async () => (await r.get("203.0.113.70")).status === 429, 15_000, "the limit to apply again");
    expect(r.log.some((l) => l.includes("RATE_LIMIT_RECOVERED"))).toBe(true);
  }, 30_000);

  test("Redis hanging: a check gives up after its bound and allows the request", async () => {
    const proxy = await freezableProxy(target());
    try {
      // The Redis client would wait a minute for an answer: only the limiter's own bound (250 ms) ends the wait.
      const r = await replica(proxy.url, { commandTimeoutMs: 60_000 });
      expect((await r.get("203.0.113.80")).status).toBe(200);
      proxy.freeze();
      const statuses = await Promise.all(Array.from({ length: 8 }, () => r.get("203.0.113.80")));
      expect(statuses.map((s) => s.status)).toEqual(Array(8).fill(200));
      expect(statuses.every((s) => s.headers.get("ratelimit-limit") === null)).toBe(true); // not counted
      expect(r.log.filter((l) => l.includes("RATE_LIMIT_FAIL_OPEN")).length).toBe(1);
      proxy.thaw();
    } finally {
      proxy.stop();
    }
  }, 30_000);
});
