import { describe, expect, test } from "bun:test";
import { isAppError } from "../../core/errors";
import { AdmissionQueue } from "./admission-queue";

describe("AdmissionQueue", () => {
  test("FIFO: wakeOne releases the longest waiter first", async () => {
    const depths: number[] = [];
    const q = new AdmissionQueue({ maxLength: 3, maxWaitMs: 1000, onDepth: (d) => depths.push(d) });
    const order: number[] = [];
    const a = q.wait().then(() => order.push(1));
    const b = q.wait().then(() => order.push(2));
    expect(q.length).toBe(2);
    q.wakeOne();
    q.wakeOne();
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
    expect(q.length).toBe(0);
    expect(depths).toEqual([1, 2, 1, 0]);
    expect(q.wakeOne()).toBe(false);
  });

  test("full queue rejects at once with 429 LLM_OVERLOADED and Retry-After", async () => {
    const q = new AdmissionQueue({ maxLength: 1, maxWaitMs: 2000 });
    const first = q.wait();
    const err = await q.wait().catch((e) => e);
    expect(isAppError(err) && err.code).toBe("LLM_OVERLOADED");
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(2);
    q.wakeOne();
    await first;
  });

  test("a wait past its limit rejects with 429 and leaves the queue", async () => {
    const q = new AdmissionQueue({ maxLength: 5, maxWaitMs: 30 });
    const err = await q.wait().catch((e) => e);
    expect(err.code).toBe("LLM_OVERLOADED");
    expect(q.length).toBe(0);
    const immediate = await q.wait(undefined, 0).catch((e) => e);
    expect(immediate.status).toBe(429);
  });

  test("abort removes the waiter; front re-queues ahead of others", async () => {
    const q = new AdmissionQueue({ maxLength: 5, maxWaitMs: 1000 });
    const ac = new AbortController();
    const aborted = q.wait(ac.signal).catch((e) => e);
    const order: string[] = [];
    const later = q.wait().then(() => order.push("later"));
    const front = q.wait(undefined, 1000, true).then(() => order.push("front"));
    ac.abort(new Error("gone"));
    expect(((await aborted) as Error).message).toBe("gone");
    expect(q.length).toBe(2);
    q.wakeOne();
    q.wakeOne();
    await Promise.all([later, front]);
    expect(order).toEqual(["front", "later"]);
  });

  test("rejectAll empties the queue", async () => {
    const q = new AdmissionQueue({ maxLength: 5, maxWaitMs: 1000 });
    const ps = [q.wait().catch((e) => e), q.wait().catch((e) => e)];
    q.rejectAll(new Error("closed"));
    for (const e of await Promise.all(ps)) expect((e as Error).message).toBe("closed");
    expect(q.length).toBe(0);
  });
});
