import { describe, expect, test } from "bun:test";
import { CircuitBreaker, type BreakerState } from "./circuit-breaker";

function make(threshold = 3, cooldownMs = 1000) {
  let now = 0;
  const changes: BreakerState[] = [];
  const b = new CircuitBreaker({ failureThreshold: threshold, cooldownMs, now: () => now, onChange: (s) => changes.push(s) });
  return { b, changes, advance: (ms: number) => (now += ms) };
}

describe("CircuitBreaker", () => {
  test("opens after N consecutive failures, not before", () => {
    const { b, changes } = make(3);
    b.onFailure();
    b.onFailure();
    expect(b.state()).toBe("closed");
    expect(b.canPass()).toBe(true);
    b.onFailure();
    expect(b.state()).toBe("open");
    expect(b.canPass()).toBe(false);
    expect(b.tryAcquire()).toBe(false);
    expect(changes).toEqual(["open"]);
  });

  test("a success resets the consecutive count", () => {
    const { b } = make(2);
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    expect(b.state()).toBe("closed");
    b.onFailure();
    expect(b.state()).toBe("open");
  });

  test("half-open after the cool-down lets exactly one trial through; success closes", () => {
    const { b, changes, advance } = make(1, 1000);
    b.onFailure();
    advance(999);
    expect(b.state()).toBe("open");
    expect(b.retryAfterMs()).toBe(1);
    advance(1);
    expect(b.state()).toBe("half_open");
    expect(b.tryAcquire()).toBe(true);
    expect(b.canPass()).toBe(false); // the trial is in flight
    expect(b.tryAcquire()).toBe(false);
    b.onSuccess();
    expect(b.state()).toBe("closed");
    expect(b.tryAcquire()).toBe(true);
    expect(changes).toEqual(["open", "half_open", "closed"]);
  });

  test("a failed trial re-opens with a fresh cool-down", () => {
    const { b, advance } = make(1, 500);
    b.onFailure();
    advance(500);
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state()).toBe("open");
    expect(b.retryAfterMs()).toBe(500);
    advance(500);
    expect(b.state()).toBe("half_open");
  });

  test("a neutral release frees the trial without closing", () => {
    const { b, advance } = make(1, 100);
    b.onFailure();
    advance(100);
    expect(b.tryAcquire()).toBe(true);
    b.onRelease();
    expect(b.state()).toBe("half_open");
    expect(b.tryAcquire()).toBe(true);
  });

  test("retryAfterMs is 0 unless open", () => {
    const { b } = make();
    expect(b.retryAfterMs()).toBe(0);
    expect(b.isOpen()).toBe(false);
  });
});
