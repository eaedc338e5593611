/**
 * Failed-login throttle per account and per IP, in the Cache port (Redis across replicas, in-process otherwise).
 * Each key counts failures in a fixed window; at `maxFailures` the key is blocked for the rest of the window.
 * Counting is read-then-write, so racing attempts may get a few more tries than the limit: the point is to make
 * guessing slow, not exact.
 */
import type { Cache } from "../../core/ports/cache";

export interface LoginThrottleOptions {
  /** Failures allowed per key in one window (default 5 per account; IPs get 4x that, NAT shares them). */
  maxFailures?: number;
  windowSeconds?: number;
}

export class LoginThrottle {
  private readonly max: number;
  private readonly windowSeconds: number;

  constructor(
    private readonly cache: Cache,
    o: LoginThrottleOptions = {},
  ) {
    this.max = o.maxFailures ?? 5;
    this.windowSeconds = o.windowSeconds ?? 15 * 60;
  }

  private limitOf(key: string) {
    return key.startsWith("ip:") ? this.max * 4 : this.max;
  }

  /** Seconds until the first blocked key frees, 0 when none is blocked. */
  async blocked(keys: string[]): Promise<number> {
    const states = await Promise.all(keys.map((k) => this.read(k)));
    let wait = 0;
    for (let i = 0; i < keys.length; i++) {
      const s = states[i];
      if (s && s.n >= this.limitOf(keys[i]!)) wait = Math.max(wait, Math.ceil((s.until - Date.now()) / 1000));
    }
    return Math.max(0, wait);
  }

  async fail(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map(async (k) => {
        const s = (await this.read(k)) ?? { n: 0, until: Date.now() + this.windowSeconds * 1000 };
        const ttl = Math.max(1, Math.ceil((s.until - Date.now()) / 1000));
        await this.cache.set(this.key(k), JSON.stringify({ n: s.n + 1, until: s.until }), ttl);
      }),
    );
  }

  async reset(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.cache.delete(this.key(k))));
  }

  private key(k: string) {
    return `login-fail:${k}`;
  }

  private async read(k: string): Promise<{ n: number; until: number } | null> {
    const raw = await this.cache.get(this.key(k));
    if (!raw) return null;
    try {
      const s = JSON.parse(raw) as { n: number; until: number };
      return s.until > Date.now() ? s : null;
    } catch {
      return null;
    }
  }
}
