/**
 * RateLimiter: sliding-window limits over the Cache port (Redis with REDIS_URL, shared by every replica;
 * in-process otherwise). The request plugin (rate-limit.ts) uses it per client address, credential and tenant;
 * other code uses it directly, e.g. the login route for failed logins per account and per address:
 *
 *   const limiter = rateLimiterFor(services);
 *   const perAccount = { name: "login-account", limit: 5, windowMs: 15 * 60_000 };
 *   const perIp = { name: "login-ip", limit: 50, windowMs: 15 * 60_000 };
 *   await limiter.enforce(`login:acct:${username}`, perAccount, { peek: true }); // 429 while 5 failures are in the window
 *   await limiter.enforce(`login:ip:${ip}`, perIp, { peek: true });
 *   if (!passwordOk) {
 *     await limiter.hit(`login:acct:${username}`, perAccount);                 // count the failure
 *     await limiter.hit(`login:ip:${ip}`, perIp);
 *     throw unauthorized;
 *   }
 *   await limiter.reset(`login:acct:${username}`);                              // success clears the account's failures
 *
 * `rule.name` labels the metrics (keep it a fixed word, never an id). Keys get the "rl:" prefix.
 *
 * The cache failing (Redis down or hanging) never blocks or fails a request: a call waits at most `timeoutMs`
 * (default 250 ms), then the limiter allows ("fails open"), logs once when it starts failing and once when it
 * recovers, counts `rate_limit_fail_open_total`, and for `bypassMs` (default 1 s) after a failure allows at once
 * without asking the cache, so a hanging Redis costs one timeout per second, not one per request.
 */
import { Counter, type Registry } from "prom-client";
import { AppError } from "../../core/errors";
import type { Cache, WindowHit } from "../../core/ports/cache";

export interface LimitRule {
  /** Metric label and message wording: a fixed word such as "ip", "token", "login-account". */
  name: string;
  limit: number;
  windowMs: number;
}

export interface LimitDecision extends WindowHit {
  rule: LimitRule;
  /** Hits still allowed in the window (after this one, for a hit). */
  remaining: number;
  /** The cache could not answer in time: allowed without counting. */
  failedOpen: boolean;
}

export interface RateLimiterOptions {
  cache: Cache;
  metrics?: Registry;
  log?: (line: string) => void;
  timeoutMs?: number;
  bypassMs?: number;
}

interface LimiterMetrics {
  rejected: Counter<"rule">;
  failOpen: Counter<"rule">;
}

const metricsByRegistry = new WeakMap<Registry, LimiterMetrics>();

function limiterMetrics(registry: Registry): LimiterMetrics {
  let m = metricsByRegistry.get(registry);
  if (!m) {
    m = {
      rejected: new Counter({ name: "rate_limit_rejected_total", help: "Requests refused by a rate limit (429), by rule.", labelNames: ["rule"], registers: [registry] }),
      failOpen: new Counter({ name: "rate_limit_fail_open_total", help: "Rate-limit checks allowed without counting because the cache did not answer in time, by rule.", labelNames: ["rule"], registers: [registry] }),
    };
    metricsByRegistry.set(registry, m);
  }
  return m;
}

/** The 429 for a refused decision: `{error: {code: "RATE_LIMITED", message}}` with Retry-After (seconds). */
export function rateLimited(d: LimitDecision, message?: string): AppError {
  const seconds = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
  return new AppError({
    code: "RATE_LIMITED",
    category: "rate_limit",
    message: message ?? `rate limit reached: at most ${d.rule.limit} requests per ${Math.ceil(d.rule.windowMs / 1000)} s per ${d.rule.name}; retry in ${seconds} s`,
    retryAfter: seconds,
    details: { rule: d.rule.name },
  });
}

export class RateLimiter {
  private readonly cache: Cache;
  private readonly metrics?: LimiterMetrics;
  private readonly log: (line: string) => void;
  private readonly timeoutMs: number;
  private readonly bypassMs: number;
  private failingSince?: number;
  private bypassUntil = 0;

  constructor(o: RateLimiterOptions) {
    this.cache = o.cache;
    this.metrics = o.metrics ? limiterMetrics(o.metrics) : undefined;
    this.log = o.log ?? ((l) => console.warn(l));
    this.timeoutMs = o.timeoutMs ?? 250;
    this.bypassMs = o.bypassMs ?? 1000;
  }

  /** Counts one hit when under the limit; refuses (not counted) at the limit. */
  hit(key: string, rule: LimitRule): Promise<LimitDecision> {
    return this.check(key, rule, false);
  }

  /** Whether a hit would be allowed now, without counting one. */
  peek(key: string, rule: LimitRule): Promise<LimitDecision> {
    return this.check(key, rule, true);
  }

  /** hit (or peek), throwing the 429 AppError when refused. */
  async enforce(key: string, rule: LimitRule, opts: { peek?: boolean; message?: string } = {}): Promise<LimitDecision> {
    const d = await this.check(key, rule, opts.peek ?? false);
    if (!d.allowed) throw rateLimited(d, opts.message);
    return d;
  }

  /** Forgets the key's hits (e.g. an account's failed logins after a successful one). Cache failures are ignored. */
  async reset(key: string): Promise<void> {
    await this.bounded(this.cache.delete(`rl:${key}`)).catch(() => {});
  }

  private async check(key: string, rule: LimitRule, peek: boolean): Promise<LimitDecision> {
    if (Date.now() < this.bypassUntil) return this.failOpen(rule);
    let hit: WindowHit;
    try {
      hit = await this.bounded(this.cache.hit(`rl:${key}`, rule.windowMs, rule.limit, { peek }));
    } catch (e) {
      if (this.failingSince === undefined) {
        this.failingSince = Date.now();
        this.log(`[RATE_LIMIT_FAIL_OPEN] the cache did not answer a rate-limit check (${(e as Error).message}); requests are allowed without limits until it does`);
      }
      this.bypassUntil = Date.now() + this.bypassMs;
      return this.failOpen(rule);
    }
    if (this.failingSince !== undefined) {
      this.log(`[RATE_LIMIT_RECOVERED] rate limits apply again after ${Math.round((Date.now() - this.failingSince) / 1000)} s without the cache`);
      this.failingSince = undefined;
    }
    if (!hit.allowed && !peek) this.metrics?.rejected.inc({ rule: rule.name });
    return { ...hit, rule, remaining: Math.max(0, rule.limit - hit.count), failedOpen: false };
  }

  private failOpen(rule: LimitRule): LimitDecision {
    this.metrics?.failOpen.inc({ rule: rule.name });
    return { allowed: true, count: 0, retryAfterMs: 0, resetMs: 0, rule, remaining: rule.limit, failedOpen: true };
  }

  private bounded<T>(p: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}

const byCache = new WeakMap<Cache, RateLimiter>();

/** The one limiter of a set of services (so the request plugin and the login route share its state and metrics). */
export function rateLimiterFor(services: { cache: Cache; metrics: Registry }, opts: Omit<RateLimiterOptions, "cache" | "metrics"> = {}): RateLimiter {
  let l = byCache.get(services.cache);
  if (!l) byCache.set(services.cache, (l = new RateLimiter({ cache: services.cache, metrics: services.metrics, ...opts })));
  return l;
}
