import { describe, expect, test } from "bun:test";
import { Semaphore } from "./semaphore";

describe("Semaphore", () => {
  test("at most `limit` run at once; waiters go first come, first served", async () => {
    const s = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await Bun.sleep(5);
      order.push(i);
      running--;
      return i;
    };
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => s.run(job(i))));
    expect(results).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(order.slice(2)).toEqual([2, 3, 4]);
    expect(s.pending).toBe(0);
  });

  test("a failing holder frees its slot; an aborted waiter leaves the queue", async () => {
    const s = new Semaphore(1);
    await expect(s.run(async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    let release!: () => void;
    const holder = s.run(() => new Promise<void>((r) => (release = r)));
    const ctrl = new AbortController();
    const waiter = s.run(async () => "never", ctrl.signal);
    expect(s.pending).toBe(1);
    ctrl.abort(new Error("client left"));
    await expect(waiter).rejects.toThrow("client left");
    expect(s.pending).toBe(0);
    release();
    await holder;
    expect(await s.run(async () => "free")).toBe("free");
    expect(() => new Semaphore(0)).toThrow();
  });
});
