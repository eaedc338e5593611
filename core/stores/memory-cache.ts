/**
 * The in-process Cache adapter (no REDIS_URL): values and lists with time to live, pub/sub between the callers
 * of one process. Expired entries are dropped when read and by a periodic sweep, so memory does not grow with
 * keys nobody reads again. Delivery to subscribers is asynchronous (a microtask later), as it is with Redis.
 */
import { errors } from "../errors";
import type { Cache, WindowHit } from "../ports/cache";

/** What the API needs of a Cache adapter besides the port: its kind for /v1/health, a ping and close. */
export interface CacheAdapter extends Cache {
  readonly kind: "memory" | "redis";
  ping(): Promise<void>;
  close(): Promise<void>;
}

interface Entry<T> {
  value: T;
  /** Epoch ms; Infinity for no expiry. */
  expiresAt: number;
}

export interface MemoryCacheOptions {
  /** How often expired entries are swept (ms, default 30 000; 0 disables the sweep). */
  sweepMs?: number;
  now?: () => number;
}

export function checkTtl(ttlSeconds: number | undefined, required: boolean): void {
  if (ttlSeconds === undefined && !required) return;
  if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw errors.invalid("INVALID_TTL", `ttlSeconds must be a positive number, got ${String(ttlSeconds)}`);
  }
}

export function checkIndex(from: number): void {
  if (!Number.isInteger(from) || from < 0) throw errors.invalid("INVALID_RANGE", `from must be a whole number >= 0, got ${String(from)}`);
}

export function checkWindow(windowMs: number, limit: number): void {
  if (!Number.isInteger(windowMs) || windowMs <= 0) throw errors.invalid("INVALID_WINDOW", `windowMs must be a whole number > 0, got ${String(windowMs)}`);
  if (!Number.isInteger(limit) || limit < 0) throw errors.invalid("INVALID_LIMIT", `limit must be a whole number >= 0, got ${String(limit)}`);
}

export class MemoryCache implements CacheAdapter {
  readonly kind = "memory" as const;
  private readonly values = new Map<string, Entry<string>>();
  private readonly lists = new Map<string, Entry<string[]>>();
  /** Sliding windows: the times (epoch ms, ascending) of the hits still in the window. */
  private readonly windows = new Map<string, Entry<number[]>>();
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  private readonly now: () => number;
  private readonly sweeper?: ReturnType<typeof setInterval>;

  constructor(opts: MemoryCacheOptions = {}) {
    this.now = opts.now ?? Date.now;
    const every = opts.sweepMs ?? 30_000;
    if (every > 0) {
      this.sweeper = setInterval(() => this.sweep(), every);
      (this.sweeper as { unref?: () => void }).unref?.();
    }
  }

  private live<T>(map: Map<string, Entry<T>>, key: string): Entry<T> | undefined {
    const e = map.get(key);
    if (e && e.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return e;
  }

  private expiry(ttlSeconds?: number): number {
    return ttlSeconds === undefined ? Infinity : this.now() + ttlSeconds * 1000;
  }

  async get(key: string): Promise<string | null> {
    return this.live(this.values, key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    checkTtl(ttlSeconds, false);
    this.lists.delete(key); // one key holds one kind of value, as in Redis after SET
    this.windows.delete(key);
    this.values.set(key, { value, expiresAt: this.expiry(ttlSeconds) });
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
    this.lists.delete(key);
    this.windows.delete(key);
  }

  async append(key: string, value: string, ttlSeconds: number): Promise<number> {
    checkTtl(ttlSeconds, true);
    if (this.live(this.values, key) || this.windows.has(key)) throw errors.conflict("CACHE_WRONG_TYPE", `cache key '${key}' holds a value, not a list`);
    const e = this.live(this.lists, key) ?? { value: [], expiresAt: 0 };
    e.value.push(value);
    e.expiresAt = this.expiry(ttlSeconds);
    this.lists.set(key, e);
    return e.value.length;
  }

  async range(key: string, from: number): Promise<string[]> {
    checkIndex(from);
    return this.live(this.lists, key)?.value.slice(from) ?? [];
  }

  async hit(key: string, windowMs: number, limit: number, opts: { peek?: boolean } = {}): Promise<WindowHit> {
    checkWindow(windowMs, limit);
    if (this.live(this.values, key) || this.live(this.lists, key)) throw errors.conflict("CACHE_WRONG_TYPE", `cache key '${key}' does not hold a window`);
    const now = this.now();
    const e = this.windows.get(key) ?? { value: [], expiresAt: 0 };
    const times = e.value;
    let gone = 0;
    while (gone < times.length && times[gone]! <= now - windowMs) gone++;
    if (gone) times.splice(0, gone);
    const allowed = times.length < limit;
    if (allowed && !opts.peek) {
      times.push(now);
      e.expiresAt = now + windowMs;
      this.windows.set(key, e);
    } else if (!times.length) this.windows.delete(key);
    const until = (i: number) => Math.max(1, times[i]! + windowMs - now);
    return {
      allowed,
      count: times.length,
      retryAfterMs: allowed ? 0 : limit === 0 ? windowMs : until(times.length - limit),
      resetMs: times.length ? until(0) : 0,
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    const subs = this.channels.get(channel);
    if (!subs?.size) return;
    for (const fn of [...subs]) {
      queueMicrotask(() => {
        if (!subs.has(fn)) return; // unsubscribed in the meantime
        try {
          fn(message);
        } catch (e) {
          console.error(`[CACHE_SUBSCRIBER] a subscriber of '${channel}' threw:`, e);
        }
      });
    }
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    // A fresh function per subscription, so subscribing one handler twice gives two independent subscriptions.
    const fn = (m: string) => onMessage(m);
    let subs = this.channels.get(channel);
    if (!subs) this.channels.set(channel, (subs = new Set()));
    subs.add(fn);
    return async () => {
      subs.delete(fn);
      if (subs.size === 0 && this.channels.get(channel) === subs) this.channels.delete(channel);
    };
  }

  async ping(): Promise<void> {}

  /** Number of live keys (values and lists), for tests and diagnostics. */
  size(): number {
    this.sweep();
    return this.values.size + this.lists.size + this.windows.size;
  }

  sweep(): void {
    const now = this.now();
    for (const map of [this.values, this.lists, this.windows] as Map<string, Entry<unknown>>[]) {
      for (const [k, e] of map) if (e.expiresAt <= now) map.delete(k);
    }
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.values.clear();
    this.lists.clear();
    this.windows.clear();
    this.channels.clear();
  }
}
