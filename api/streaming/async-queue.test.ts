import { describe, expect, test } from "bun:test";
import { AsyncQueue } from "./async-queue";

describe("AsyncQueue", () => {
  test("delivers pushed items in order, then ends", async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    const pending = q.next();
    expect(await pending).toEqual({ value: 1, done: false });
    setTimeout(() => (q.push(2), q.push(3), q.end()), 5);
    const rest: number[] = [];
    for await (const x of q) rest.push(x);
    expect(rest).toEqual([2, 3]);
    q.push(4); // ignored after end
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  test("return() ends a waiting next() at once and runs onReturn once", async () => {
    let returned = 0;
    const q = new AsyncQueue<number>(() => returned++);
    const waiting = q.next();
    await q.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    await q.return();
    expect(returned).toBe(1);
    expect(q.closed).toBe(true);
  });

  test("fail() throws after the queued items", async () => {
    const q = new AsyncQueue<string>();
    q.push("a");
    q.fail(new Error("boom"));
    expect(await q.next()).toEqual({ value: "a", done: false });
    await expect(q.next()).rejects.toThrow("boom");
    const w = new AsyncQueue<string>();
    const waiting = w.next();
    w.fail(new Error("late"));
    await expect(waiting).rejects.toThrow("late");
  });
});
