/**
 * Failed-login throttle per account and per IP on the edge's sliding-window RateLimiter (api/plugins/rate-limiter.ts,
 * over the Cache port: Redis across replicas, in-process otherwise; atomic on Redis). Keys "acct:..." allow
 * `maxFailures` failures per window, "ip:..." four times that (NAT shares addresses). A key at its limit blocks
 * until its oldest failure leaves the window; a successful login clears the account's failures. If the cache
 * fails the limiter lets the attempt through (fails open), as it does for requests.
 */
import type { Cache } from "../../core/ports/cache";
import { RateLimiter, type LimitRule } from "../plugins/rate-limiter";

export interface LoginThrottleOptions {
  /** Failures allowed per account in one window (default 5; per IP 4x that). */
  maxFailures?: number;
  windowSeconds?: number;
}

export class LoginThrottle {
  private readonly limiter: RateLimiter;
  private readonly account: LimitRule;
  private readonly ip: LimitRule;

  constructor(cache: Cache, o: LoginThrottleOptions & { limiter?: RateLimiter } = {}) {
    this.limiter = o.limiter ?? new RateLimiter({ cache });
    const windowMs = (o.windowSeconds ?? 15 * 60) * 1000;
    const max = o.maxFailures ?? 5;
    this.account = { name: "login-account", limit: max, windowMs };
    this.ip = { name: "login-ip", limit: max * 4, windowMs };
  }

  private ruleOf(key: string): LimitRule {
    return key.startsWith("ip:") ? this.ip : this.account;
  }

  /** Seconds until the first blocked key frees, 0 when none is blocked. */
  async blocked(keys: string[]): Promise<number> {
    const decisions = await Promise.all(keys.map((k) => this.limiter.peek(`login:${k}`, this.ruleOf(k))));
    return Math.max(0, ...decisions.filter((d) => !d.allowed).map((d) => Math.ceil(d.retryAfterMs / 1000)));
  }

  async fail(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.limiter.hit(`login:${k}`, this.ruleOf(k))));
  }

  async reset(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.limiter.reset(`login:${k}`)));
  }
}
