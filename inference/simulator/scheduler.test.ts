import { describe, expect, test } from "bun:test";
import { newSequence, Scheduler, type Sequence } from "./scheduler";

const timing = { maxNumSeqs: 2, ttftBaseMs: 1, prefillMsPerToken: 0, itlBaseMs: 1, itlAlpha: 0, tickMs: 1 };

function seq(tokens: number, extra: Partial<Pick<Sequence, "stallAfter" | "dropAfter">> = {}) {
  const got: string[] = [];
  let ended: "finish" | "drop" | undefined;
  const s = newSequence({
    promptTokens: 10,
    tokens: Array.from({ length: tokens }, (_, i) => ` t${i}`),
    finishReason: "stop",
    stallAfter: extra.stallAfter ?? Infinity,
    dropAfter: extra.dropAfter ?? Infinity,
    sink: { tokens: (t) => got.push(...t), finish: () => (ended = "finish"), drop: () => (ended = "drop") },
  });
  return { s, got, ended: () => ended };
}

const observer = { admitted() {}, firstToken() {}, decoded() {}, finished() {} };

async function until(cond: () => boolean, ms = 2000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(2);
  }
}

describe("Scheduler", () => {
  test("runs at most maxNumSeqs; the rest wait FIFO and start as slots free", async () => {
    const sch = new Scheduler(timing, observer);
    const seqs = Array.from({ length: 5 }, () => seq(5));
    for (const x of seqs) sch.submit(x.s);
    expect(sch.stats().running).toBe(2);
    expect(sch.stats().waiting).toBe(3);
    await until(() => seqs.every((x) => x.ended() === "finish"));
    const st = sch.stats();
    expect(st.maxRunningSeen).toBe(2);
    expect(st.maxWaitingSeen).toBe(3);
    expect(st.completed).toBe(5);
    expect(st.generatedTokens).toBe(25);
    expect(seqs[4]!.got.join("")).toBe(" t0 t1 t2 t3 t4");
    sch.stop();
  });

  test("cancel frees a running slot at once and skips cancelled waiters", () => {
    const sch = new Scheduler(timing, observer);
    const [a, b, c] = [seq(50), seq(50), seq(50)];
    sch.submit(a.s);
    sch.submit(b.s);
    sch.submit(c.s);
    sch.cancel(c.s); // waiting
    expect(sch.stats().waiting).toBe(0);
    sch.cancel(a.s); // running
    expect(sch.stats().running).toBe(1);
    expect(sch.stats().aborted).toBe(2);
    sch.cancel(a.s); // idempotent
    expect(sch.stats().aborted).toBe(2);
    sch.stop();
  });

  test("drop after N tokens and stall keep their promises", async () => {
    const sch = new Scheduler(timing, observer);
    const dropped = seq(10, { dropAfter: 3 });
    const stalled = seq(10, { stallAfter: 2 });
    sch.submit(dropped.s);
    sch.submit(stalled.s);
    await until(() => dropped.ended() === "drop" && stalled.got.length === 2);
    await Bun.sleep(20);
    expect(dropped.got).toHaveLength(3);
    expect(stalled.got).toHaveLength(2);
    expect(stalled.ended()).toBeUndefined();
    expect(sch.stats()).toMatchObject({ running: 1, dropped: 1, stalled: 1 });
    sch.cancel(stalled.s);
    expect(sch.stats().running).toBe(0);
    sch.stop();
  });
});
