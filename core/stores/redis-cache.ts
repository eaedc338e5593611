/**
 * The Redis Cache adapter (REDIS_URL) over ioredis: what one replica writes, every replica reads; pub/sub
 * reaches subscribers on every replica. Keys and channels get `keyPrefix` (default "cs:"), so several
 * deployments or test runs can share one Redis. Commands run on one connection; subscriptions on a second one
 * (a subscribed Redis connection accepts no other commands), opened on the first subscribe. While Redis is down
 * or hangs, every call fails within `commandTimeoutMs` (503 CACHE_UNAVAILABLE) rather than waiting for it.
 */
import { Redis } from "ioredis";
import { AppError, errors } from "../errors";
import type { WindowHit } from "../ports/cache";
import { checkIndex, checkTtl, checkWindow, type CacheAdapter } from "./memory-cache";
import { redactUrl as redact } from "../text/redact-url";

export interface RedisCacheOptions {
  url: string;
  /** Prepended to every key and channel (default "cs:"). */
  keyPrefix?: string;
  /** How long connecting may take before the adapter gives up (ms, default 5000). */
  connectTimeoutMs?: number;
  /** Longest wait for one command (ms, default 1000): a Redis that hangs fails the call instead of holding it up. */
  commandTimeoutMs?: number;
}

/**
 * Cache.hit in one script, so concurrent hits from every replica are counted atomically: a sorted set of hit
 * times (scored by Redis's own clock, members unique), trimmed to the window, added to only when under the limit.
 * Returns {allowed 0|1, count, retryAfterMs, resetMs}.
 */
const WINDOW_HIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  allowed = 1
  if ARGV[3] ~= '1' then
    redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[4])
    redis.call('PEXPIRE', KEYS[1], window)
    count = count + 1
  end
end
local retry = 0
if allowed == 0 then
  if limit == 0 then
    retry = window
  else
    local e = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
    retry = tonumber(e[2]) + window - now
  end
end
local reset = 0
if count > 0 then
  local o = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  reset = tonumber(o[2]) + window - now
end
return {allowed, count, retry, reset}
`;

type WithWindowHit = Redis & { csWindowHit(key: string, windowMs: number, limit: number, peek: string, member: string): Promise<[number, number, number, number]> };

export class RedisCache implements CacheAdapter {
  readonly kind = "redis" as const;
  private readonly prefix: string;
  private readonly client: Redis;
  private sub?: Redis;
  private subReady?: Promise<void>;
  private readonly handlers = new Map<string, { fns: Set<(message: string) => void>; ready: Promise<void> }>();

  private constructor(private readonly opts: RedisCacheOptions) {
    this.prefix = opts.keyPrefix ?? "cs:";
    this.client = this.open();
  }

  /** Connects and pings; throws a 503 AppError naming the (password-redacted) URL when Redis is not usable. */
  static async connect(opts: RedisCacheOptions): Promise<RedisCache> {
    const cache = new RedisCache(opts);
    try {
      await cache.client.connect();
      await cache.client.ping();
    } catch (cause) {
      cache.client.disconnect();
      throw errors.unavailable("CACHE_UNAVAILABLE", `Redis at ${redact(opts.url)} is not reachable: ${(cause as Error).message}`, cause);
    }
    return cache;
  }

  private open(): Redis {
    const r = new Redis(this.opts.url, {
      lazyConnect: true,
      connectTimeout: this.opts.connectTimeoutMs ?? 5000,
      commandTimeout: this.opts.commandTimeoutMs ?? 1000,
      // While the connection is down, commands fail at once instead of queueing until Redis is back (callers
      // bypass the cache or stream without resume); ioredis reconnects and resubscribes by itself.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    r.on("error", () => {}); // surfaced through the failing commands; ioredis reconnects on its own
    // Sent as EVALSHA, falling back to EVAL once when Redis does not hold the script (ioredis does both).
    r.defineCommand("csWindowHit", { numberOfKeys: 1, lua: WINDOW_HIT });
    return r;
  }

  private key(k: string): string {
    return this.prefix + k;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AppError) throw e;
      const msg = (e as Error).message ?? String(e);
      if (msg.startsWith("WRONGTYPE")) throw errors.conflict("CACHE_WRONG_TYPE", `cache ${what}: ${msg}`);
      throw errors.unavailable("CACHE_UNAVAILABLE", `cache ${what} failed: ${msg}`, e);
    }
  }

  get(key: string): Promise<string | null> {
    return this.call("get", () => this.client.get(this.key(key)));
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    checkTtl(ttlSeconds, false);
    await this.call("set", () =>
      ttlSeconds === undefined ? this.client.set(this.key(key), value) : this.client.set(this.key(key), value, "PX", Math.ceil(ttlSeconds * 1000)),
    );
  }

  async delete(key: string): Promise<void> {
    await this.call("delete", () => this.client.del(this.key(key)));
  }

  async append(key: string, value: string, ttlSeconds: number): Promise<number> {
    checkTtl(ttlSeconds, true);
    return this.call("append", async () => {
      const k = this.key(key);
      const res = await this.client.multi().rpush(k, value).pexpire(k, Math.ceil(ttlSeconds * 1000)).exec();
      const failed = res?.find(([err]) => err);
      if (!res || failed) throw failed?.[0] ?? new Error("transaction aborted");
      return Number(res[0]![1]);
    });
  }

  async range(key: string, from: number): Promise<string[]> {
    checkIndex(from);
    return this.call("range", () => this.client.lrange(this.key(key), from, -1));
  }

  async hit(key: string, windowMs: number, limit: number, opts: { peek?: boolean } = {}): Promise<WindowHit> {
    checkWindow(windowMs, limit);
    const member = crypto.randomUUID();
    const [allowed, count, retry, reset] = await this.call("hit", () => (this.client as WithWindowHit).csWindowHit(this.key(key), windowMs, limit, opts.peek ? "1" : "0", member));
    return { allowed: allowed === 1, count, retryAfterMs: allowed === 1 ? 0 : Math.max(1, retry), resetMs: count > 0 ? Math.max(1, reset) : 0 };
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.call("publish", () => this.client.publish(this.key(channel), message));
  }

  private subscriber(): Promise<void> {
    if (!this.subReady) {
      const sub = (this.sub = this.open());
      sub.on("message", (channel: string, message: string) => {
        for (const fn of [...(this.handlers.get(channel)?.fns ?? [])]) {
          try {
            fn(message);
          } catch (e) {
            console.error(`[CACHE_SUBSCRIBER] a subscriber of '${channel}' threw:`, e);
          }
        }
      });
      this.subReady = sub.connect().catch((e) => {
        this.subReady = undefined;
        this.sub = undefined;
        sub.disconnect();
        throw e;
      });
    }
    return this.subReady;
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const name = this.key(channel);
    const fn = (m: string) => onMessage(m);
    await this.call("subscribe", async () => {
      await this.subscriber();
      let entry = this.handlers.get(name);
      if (!entry) {
        const fresh = { fns: new Set<(m: string) => void>(), ready: this.sub!.subscribe(name).then(() => {}) };
        this.handlers.set(name, (entry = fresh));
        fresh.ready.catch(() => {
          if (this.handlers.get(name) === fresh) this.handlers.delete(name);
        });
      }
      entry.fns.add(fn);
      // A second subscriber to a channel also waits until Redis confirmed the subscription.
      await entry.ready;
    });
    return async () => {
      const entry = this.handlers.get(name);
      if (!entry?.fns.delete(fn) || entry.fns.size > 0) return;
      this.handlers.delete(name);
      await this.sub?.unsubscribe(name).catch(() => {});
    };
  }

  async ping(): Promise<void> {
    await this.call("ping", () => this.client.ping());
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.all([this.client.quit().catch(() => this.client.disconnect()), this.sub?.quit().catch(() => this.sub?.disconnect())]);
  }
}

