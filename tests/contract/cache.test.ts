/**
 * Contract suite of the Cache port, run against every adapter: in-process always, Redis when TEST_REDIS_URL is
 * set (.ci/run sets it). Each Redis run uses its own key prefix and removes its keys afterwards.
 */
import { deleteRedisKeys } from "../support/peers";
import { afterAll, describe, expect, test } from "bun:test";
import { isAppError } from "../../core/errors";
import { MemoryCache, type CacheAdapter } from "../../core/stores/memory-cache";
import { RedisCache } from "../../core/stores/redis-cache";

const REDIS = process.env.TEST_REDIS_URL;
if (!REDIS) console.warn("TEST_REDIS_URL is not set: the Redis cache contract suite is skipped (the in-process one runs).");
const prefix = `cs-test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}:`;
const opened: CacheAdapter[] = [];

const adapters: [string, () => Promise<CacheAdapter>][] = [["memory", async () => new MemoryCache()]];
if (REDIS) adapters.push(["redis", () => RedisCache.connect({ url: REDIS, keyPrefix: prefix })]);

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  if (REDIS) await deleteRedisKeys(REDIS, prefix);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until `check` holds (pub/sub delivery is asynchronous), failing after ~1 s. */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(10);
  expect(check()).toBe(true);
}

for (const [name, make] of adapters) {
  describe(`Cache contract: ${name}`, () => {
    const open = async () => {
      const c = await make();
      opened.push(c);
      return c;
    };

    test("get, set, overwrite and delete", async () => {
      const c = await open();
      expect(await c.get("k1")).toBeNull();
      await c.set("k1", "v1");
      expect(await c.get("k1")).toBe("v1");
      await c.set("k1", "v2");
      expect(await c.get("k1")).toBe("v2");
      await c.delete("k1");
      expect(await c.get("k1")).toBeNull();
      await c.delete("never-set"); // deleting a missing key is fine
      await c.ping();
    });

    test("values expire after their time to live", async () => {
      const c = await open();
      await c.set("short", "x", 0.08);
      await c.set("long", "y", 30);
      expect(await c.get("short")).toBe("x");
      await sleep(150);
      expect(await c.get("short")).toBeNull();
      expect(await c.get("long")).toBe("y");
    });

    test("lists append in order, range from an index, and expire as a whole", async () => {
      const c = await open();
      expect(await c.range("list", 0)).toEqual([]);
      expect(await c.append("list", "a", 0.15)).toBe(1);
      expect(await c.append("list", "b", 0.15)).toBe(2);
      expect(await c.append("list", "c", 0.15)).toBe(3);
      expect(await c.range("list", 0)).toEqual(["a", "b", "c"]);
      expect(await c.range("list", 1)).toEqual(["b", "c"]);
      expect(await c.range("list", 3)).toEqual([]);
      await sleep(90);
      await c.append("list", "d", 0.15); // appending renews the time to live
      await sleep(90);
      expect(await c.range("list", 0)).toEqual(["a", "b", "c", "d"]);
      await sleep(120);
      expect(await c.range("list", 0)).toEqual([]);
      await c.append("gone", "x", 30);
      await c.delete("gone");
      expect(await c.range("gone", 0)).toEqual([]);
    });

    test("a key holding a value is not a list", async () => {
      const c = await open();
      await c.set("scalar", "1");
      const err = await c.append("scalar", "x", 10).catch((e) => e);
      expect(isAppError(err) && err.code).toBe("CACHE_WRONG_TYPE");
    });

    test("bad time to live and range arguments are refused", async () => {
      const c = await open();
      for (const bad of [0, -1, Number.NaN]) {
        const err = await c.set("k", "v", bad).catch((e) => e);
        expect(isAppError(err) && err.status).toBe(422);
        const err2 = await c.append("l", "v", bad).catch((e) => e);
        expect(isAppError(err2) && err2.status).toBe(422);
      }
      const err3 = await c.range("l", -1).catch((e) => e);
      expect(isAppError(err3) && err3.status).toBe(422);
    });

    test("hit: a sliding window allows up to the limit, then refuses with the time until a slot frees", async () => {
      const c = await open();
      const hits = [];
      for (let i = 0; i < 4; i++) hits.push(await c.hit("win", 30_000, 3));
      expect(hits.map((h) => h.allowed)).toEqual([true, true, true, false]);
      expect(hits.map((h) => h.count)).toEqual([1, 2, 3, 3]); // a refused hit is not recorded
      expect(hits[0]!.retryAfterMs).toBe(0);
      expect(hits[3]!.retryAfterMs).toBeGreaterThan(0);
      expect(hits[3]!.retryAfterMs).toBeLessThanOrEqual(30_000);
      expect(hits[2]!.resetMs).toBeGreaterThan(0);
      expect(hits[2]!.resetMs).toBeLessThanOrEqual(30_000);
      // Other keys have windows of their own.
      expect((await c.hit("win-other", 30_000, 3)).count).toBe(1);
      // A peek counts without recording.
      expect(await c.hit("win", 30_000, 5, { peek: true })).toMatchObject({ allowed: true, count: 3 });
      expect(await c.hit("win", 30_000, 3, { peek: true })).toMatchObject({ allowed: false, count: 3 });
      expect((await c.hit("win-peek", 30_000, 1, { peek: true })).count).toBe(0);
      expect((await c.hit("win-peek", 30_000, 1)).allowed).toBe(true);
      // A limit of 0 refuses everything; delete empties the window.
      expect((await c.hit("win-zero", 30_000, 0)).allowed).toBe(false);
      await c.delete("win");
      expect(await c.hit("win", 30_000, 3)).toMatchObject({ allowed: true, count: 1 });
    });

    test("hit: the window slides (old hits leave it one by one) and the key expires with it", async () => {
      const c = await open();
      expect((await c.hit("slide", 1000, 2)).allowed).toBe(true); // t = 0
      await sleep(500);
      expect((await c.hit("slide", 1000, 2)).allowed).toBe(true); // t = 500
      const refused = await c.hit("slide", 1000, 2);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(500); // the first hit leaves at t = 1000
      await sleep(650); // t = 1150: the first hit left, the second (until t = 1500) has not
      expect(await c.hit("slide", 1000, 2)).toMatchObject({ allowed: true, count: 2 });
      expect((await c.hit("slide", 1000, 2)).allowed).toBe(false);
      await sleep(1100);
      expect(await c.hit("slide", 1000, 2, { peek: true })).toMatchObject({ allowed: true, count: 0 });
    });

    test("hit: concurrent hits from several clients are counted atomically", async () => {
      const c1 = await open();
      const c2 = name === "memory" ? c1 : await open();
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? c1 : c2).hit("race", 30_000, 15)));
      expect(results.filter((r) => r.allowed).length).toBe(15);
      expect((await c1.hit("race", 30_000, 15, { peek: true })).count).toBe(15);
    });

    test("hit: bad window and limit arguments are refused; a key of another kind is a conflict", async () => {
      const c = await open();
      for (const [w, l] of [[0, 1], [-5, 1], [1.5, 1], [1000, -1], [1000, 0.5], [Number.NaN, 1]] as const) {
        const err = await c.hit("bad", w, l).catch((e) => e);
        expect(isAppError(err) && err.status).toBe(422);
      }
      await c.set("a-value", "1");
      const err = await c.hit("a-value", 1000, 1).catch((e) => e);
      expect(isAppError(err) && err.code).toBe("CACHE_WRONG_TYPE");
    });

    test("publish reaches every subscriber of the channel, and only them", async () => {
      const c = await open();
      const a: string[] = [];
      const b: string[] = [];
      const other: string[] = [];
      const unA = await c.subscribe("ch", (m) => a.push(m));
      const unB = await c.subscribe("ch", (m) => b.push(m));
      const unO = await c.subscribe("ch-other", (m) => other.push(m));
      await c.publish("ch", "one");
      await c.publish("ch", "two");
      await eventually(() => a.length === 2 && b.length === 2);
      expect(a).toEqual(["one", "two"]);
      expect(other).toEqual([]);
      await unA();
      await c.publish("ch", "three");
      await eventually(() => b.length === 3);
      await sleep(30);
      expect(a).toEqual(["one", "two"]);
      await unB();
      await unO();
      await unB(); // unsubscribing twice is harmless
      await c.publish("ch", "nobody listens");
    });

    test("another client of the same store sees values and messages (replicas share state)", async () => {
      const c1 = await open();
      const c2 = name === "memory" ? c1 : await open();
      await c1.set("shared", "from-1");
      expect(await c2.get("shared")).toBe("from-1");
      await c1.append("shared-list", "e1", 30);
      expect(await c2.range("shared-list", 0)).toEqual(["e1"]);
      const got: string[] = [];
      const un = await c2.subscribe("shared-ch", (m) => got.push(m));
      await c1.publish("shared-ch", "hello");
      await eventually(() => got.length === 1);
      expect(got).toEqual(["hello"]);
      await un();
    });

    test("a subscriber that throws does not stop the others", async () => {
      const c = await open();
      const got: string[] = [];
      const original = console.error;
      console.error = () => {};
      try {
        const un1 = await c.subscribe("boom", () => {
          throw new Error("subscriber failure");
        });
        const un2 = await c.subscribe("boom", (m) => got.push(m));
        await c.publish("boom", "m");
        await eventually(() => got.length === 1);
        await un1();
        await un2();
      } finally {
        console.error = original;
      }
    });
  });
}

if (REDIS) {
  describe("RedisCache specifics", () => {
    test("the key prefix isolates deployments sharing one Redis", async () => {
      const a = await RedisCache.connect({ url: REDIS, keyPrefix: `${prefix}a:` });
      const b = await RedisCache.connect({ url: REDIS, keyPrefix: `${prefix}b:` });
      opened.push(a, b);
      await a.set("same", "A");
      expect(await b.get("same")).toBeNull();
      const got: string[] = [];
      const un = await b.subscribe("same-ch", (m) => got.push(m));
      await a.publish("same-ch", "A");
      await sleep(50);
      expect(got).toEqual([]);
      await un();
    });

    test("an unreachable Redis fails fast with a 503 naming it", async () => {
      const err = await RedisCache.connect({ url: "redis://:secret@127.0.0.1:1", connectTimeoutMs: 300 }).catch((e) => e);
      expect(isAppError(err) && err.status).toBe(503);
      expect(err.message).toContain("127.0.0.1:1");
      expect(err.message).not.toContain("secret");
    });
  });
}

describe("MemoryCache specifics", () => {
  test("hit: the window slides on the cache's clock, hit by hit", async () => {
    let now = 10_000;
    const c = new MemoryCache({ sweepMs: 0, now: () => now });
    expect((await c.hit("w", 1000, 2)).allowed).toBe(true); // t = 0
    now += 400;
    expect(await c.hit("w", 1000, 2)).toMatchObject({ allowed: true, count: 2, resetMs: 600 }); // t = 400
    expect(await c.hit("w", 1000, 2)).toMatchObject({ allowed: false, count: 2, retryAfterMs: 600 });
    now += 599; // t = 999: the first hit is still in the window
    expect(await c.hit("w", 1000, 2)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    now += 1; // t = 1000: it left
    expect(await c.hit("w", 1000, 2)).toMatchObject({ allowed: true, count: 2 });
    expect(await c.hit("w", 1000, 2)).toMatchObject({ allowed: false, retryAfterMs: 400 }); // the t = 400 hit leaves at 1400
    now += 10_000;
    expect(await c.hit("w", 1000, 2, { peek: true })).toMatchObject({ allowed: true, count: 0, resetMs: 0 });
    expect(c.size()).toBe(0); // an empty window holds no memory
    await c.close();
  });


  test("expired entries are swept from memory", async () => {
    let now = 1_000;
    const c = new MemoryCache({ sweepMs: 0, now: () => now });
    await c.set("a", "1", 1);
    await c.append("l", "x", 2);
    await c.set("forever", "1");
    await c.hit("w", 1200, 5);
    expect(c.size()).toBe(4);
    now += 1500;
    expect(c.size()).toBe(2);
    now += 1000;
    expect(c.size()).toBe(1);
    await c.close();
  });
});
