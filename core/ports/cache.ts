/**
 * Key/value, list and pub/sub primitives shared by replicas: semantic cache entries, rate-limit counters,
 * stream resume buffers. In-process by default, Redis when REDIS_URL is set. Keys are namespaced by the caller.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Appends to a list, (re)setting its time to live; returns the new length. */
  append(key: string, value: string, ttlSeconds: number): Promise<number>;
  /** Items [from, end] of a list (0-based). */
  range(key: string, from: number): Promise<string[]>;
  publish(channel: string, message: string): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
}
