import { describe, expect, test } from "bun:test";
import { backoffMs } from "./webhook-sender";

describe("webhook backoff", () => {
  test("doubles from the base per failed attempt, capped, with the upper half jittered", () => {
    const lo = () => 0;
    const hi = () => 0.999999;
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 1000, 60_000, lo))).toEqual([500, 1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 1000, 60_000, hi))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(backoffMs(30, 1000, 60_000, lo)).toBe(30_000);
    expect(backoffMs(30, 1000, 60_000, hi)).toBe(60_000);
  });

  test("jitter spreads retries of many deliveries that failed together", () => {
    const delays = Array.from({ length: 200 }, () => backoffMs(4, 1000, 60_000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(4000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(8000);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});
