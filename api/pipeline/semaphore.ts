/**
 * A counting semaphore with a FIFO queue: at most `limit` holders at once, the rest wait in arrival order.
 * The retrieve stage uses one so that a burst of questions is served first come, first served, instead of all
 * of them sharing the CPU and finishing together late (and holding their search buffers all at once).
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`semaphore limit must be a whole number >= 1, got ${limit}`);
  }

  get pending(): number {
    return this.waiting.length;
  }

  /** Runs fn once a slot is free; a waiter whose signal fires leaves the queue with the signal's reason. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener("abort", leave);
          resolve();
        };
        const leave = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal?.reason ?? new Error("aborted"));
        };
        if (signal?.aborted) return leave();
        signal?.addEventListener("abort", leave, { once: true });
        this.waiting.push(go);
      });
    } else {
      this.active++;
      return this.runHeld(fn);
    }
    return this.runHeld(fn);
  }

  private async runHeld<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.active--;
    }
  }
}
