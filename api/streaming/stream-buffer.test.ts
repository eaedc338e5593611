import { describe, expect, test } from "bun:test";
import { MemoryCache } from "../../core/stores/memory-cache";
import type { AnswerEvent } from "./events";
import { StreamBuffer, type ControlMessage } from "./stream-buffer";

/** Events of one shape for the buffer (it stores and replays whatever it is given). */
const ev = (id: number, event: AnswerEvent["event"] = "delta"): AnswerEvent => ({ id, event, data: { text: `t${id}` } }) as AnswerEvent;
const drain = async (it: AsyncIterable<AnswerEvent>) => {
  const out: number[] = [];
  for await (const e of it) out.push(e.id);
  return out;
};
const never = async () => null;

describe("StreamBuffer", () => {
  test("read() returns the events after an id", async () => {
    const b = new StreamBuffer(new MemoryCache(), { ttlSeconds: 60 });
    for (const i of [1, 2, 3]) await b.write("s", ev(i));
    expect((await b.read("s", 0)).map((e) => e.id)).toEqual([1, 2, 3]);
    expect((await b.read("s", 2)).map((e) => e.id)).toEqual([3]);
    expect(await b.read("unknown", 0)).toEqual([]);
  });

  test("follow() replays the backlog, continues live and ends after the terminal event", async () => {
    const b = new StreamBuffer(new MemoryCache(), { ttlSeconds: 60 });
    await b.write("s", ev(1, "meta"));
    await b.write("s", ev(2));
    const got = drain(b.follow("s", 1, { idleMs: 1000, onIdle: never }));
    await Bun.sleep(5);
    await b.write("s", ev(3));
    await b.write("s", ev(4, "done"));
    await b.write("s", ev(5)); // after the terminal event: not delivered
    expect(await got).toEqual([2, 3, 4]);
  });

  test("an event both in the backlog and published live is delivered once; a gap is refilled from the list", async () => {
    const cache = new MemoryCache();
    const b = new StreamBuffer(cache, { ttlSeconds: 60 });
    await b.write("s", ev(1));
    const it = b.follow("s", 0, { idleMs: 1000, onIdle: never });
    const got = drain(it);
    await Bun.sleep(5);
    await cache.publish("answer:s:live", JSON.stringify(ev(1))); // a duplicate
    await cache.append("answer:s:events", JSON.stringify(ev(2)), 60); // written, its publish lost
    await b.write("s", ev(3, "done"));
    expect(await got).toEqual([1, 2, 3]);
  });

  test("when idle, onIdle can end the stream (e.g. the answer finished elsewhere)", async () => {
    const b = new StreamBuffer(new MemoryCache(), { ttlSeconds: 60 });
    await b.write("s", ev(1));
    let asked = 0;
    const got = await drain(b.follow("s", 0, { idleMs: 10, onIdle: async (last) => (++asked < 2 ? null : { id: last + 1, event: "error", data: { code: "ANSWER_ABANDONED", message: "gone" } }) }));
    expect(got).toEqual([1, 2]);
    expect(asked).toBe(2);
  });

  test("returning from follow() unsubscribes", async () => {
    const cache = new MemoryCache();
    const b = new StreamBuffer(cache, { ttlSeconds: 60 });
    const it = b.follow("s", 0, { idleMs: 1000, onIdle: never });
    const pending = it.next();
    await Bun.sleep(5);
    await it.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    await b.write("s", ev(1)); // nobody is subscribed any more: nothing to deliver, nothing thrown
  });

  test("control messages reach the producer; malformed ones are ignored", async () => {
    const cache = new MemoryCache();
    const b = new StreamBuffer(cache, { ttlSeconds: 60 });
    const got: ControlMessage[] = [];
    const un = await b.onControl("s", (m) => got.push(m));
    await b.sendControl("s", { type: "attach", consumer: "c1" });
    await b.sendControl("s", { type: "cancel" });
    await cache.publish("answer:s:control", "{nope");
    await cache.publish("answer:s:control", JSON.stringify({ type: "attach" }));
    await Bun.sleep(5);
    expect(got).toEqual([{ type: "attach", consumer: "c1" }, { type: "cancel" }]);
    await un();
  });
});
