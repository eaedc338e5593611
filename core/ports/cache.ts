/**
 * Key/value, list and pub/sub primitives shared by replicas: semantic cache entries, rate-limit counters,
 * stream resume buffers. In-process by default, Redis when REDIS_URL is set. Keys are namespaced by the caller.
 */
/** What one sliding-window hit found (Cache.hit). */
export interface WindowHit {
  /** The hit was under the limit (and, unless a peek, recorded). */
  allowed: boolean;
  /** Hits in the window now, this one included when it was recorded. */
  count: number;
  /** When refused: how long until the window holds fewer than `limit` hits (ms); 0 when allowed. */
  retryAfterMs: number;
  /** How long until the oldest hit in the window leaves it (ms); 0 for an empty window. */
  resetMs: number;
}

export interface Cache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Appends to a list, (re)setting its time to live; returns the new length. */
  append(key: string, value: string, ttlSeconds: number): Promise<number>;
  /** Items [from, end] of a list (0-based). */
  range(key: string, from: number): Promise<string[]>;
  /**
   * Sliding-window counter (rate limits), atomic across every client of the store: counts the hits of the last
   * `windowMs` under `key`; when fewer than `limit`, records one more and allows it, else refuses (a refused hit
   * is not recorded). `peek` counts without recording. The store's own clock decides (Redis: TIME), so replicas
   * with skewed clocks share one window.
   */
  hit(key: string, windowMs: number, limit: number, opts?: { peek?: boolean }): Promise<WindowHit>;
  publish(channel: string, message: string): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
}
