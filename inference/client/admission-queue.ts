/**
 * The bounded FIFO in front of all backends: a request that finds every usable backend at its in-flight cap
 * waits here until a slot frees. Bounded in length (full -> 429 LLM_OVERLOADED at once) and in wait
 * (waited too long -> 429 LLM_OVERLOADED), so overload sheds quickly instead of piling up.
 */
import { AppError } from "../../core/errors";

export interface AdmissionQueueOptions {
  maxLength: number;
  maxWaitMs: number;
  onDepth?: (depth: number) => void;
}

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
  done: boolean;
}

export const overloaded = (message: string, retryAfter: number) =>
  new AppError({ code: "LLM_OVERLOADED", message, category: "rate_limit", retryAfter, retryable: true });

export class AdmissionQueue {
  private waiters: Waiter[] = [];

  constructor(private readonly o: AdmissionQueueOptions) {}

  get length(): number {
    return this.waiters.length;
  }

  /**
   * Waits for a wake-up. Rejects with 429 LLM_OVERLOADED when the queue is full or the wait passes `waitMs`
   * (default maxWaitMs); rejects with the signal's reason when the caller aborts. `front` re-queues a waiter
   * that lost its slot to a race, ahead of the others.
   */
  wait(signal?: AbortSignal, waitMs = this.o.maxWaitMs, front = false): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiters.length >= this.o.maxLength) {
      return Promise.reject(overloaded(`the inference queue is full (${this.o.maxLength} waiting)`, this.retryAfterSeconds()));
    }
    if (waitMs <= 0) return Promise.reject(overloaded("no inference capacity within the queue wait limit", this.retryAfterSeconds()));
    return new Promise<void>((resolve, reject) => {
      const finish = (fn: () => void) => {
        if (w.done) return;
        w.done = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        this.o.onDepth?.(this.waiters.length);
        fn();
      };
      const w: Waiter = { resolve: () => finish(resolve), reject: (e) => finish(() => reject(e)), done: false };
      const onAbort = () => w.reject(signal!.reason);
      const timer = setTimeout(() => w.reject(overloaded(`no inference capacity within ${waitMs} ms`, this.retryAfterSeconds())), waitMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (front) this.waiters.unshift(w);
      else this.waiters.push(w);
      this.o.onDepth?.(this.waiters.length);
    });
  }

  /** Wakes the longest-waiting request; false when nobody waits. */
  wakeOne(): boolean {
    const w = this.waiters[0];
    if (!w) return false;
    w.resolve();
    return true;
  }

  /** Rejects every waiter with `error` (e.g. when no backend is left at all). */
  rejectAll(error: unknown): void {
    for (const w of [...this.waiters]) w.reject(error);
  }

  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.o.maxWaitMs / 1000));
  }
}
