import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { checkTicketInput } from "./ticket-input";
import { MAX_CATEGORIES, ticketMetrics } from "./ticket-metrics";
import { TRANSITIONS } from "./service";

const base = { subject: "  Late   refund ", summary: " Refund missing \n", category: "refund" };

describe("ticket input", () => {
  test("normalises subject, summary and tags; priority defaults to normal", () => {
    expect(checkTicketInput({ ...base, tags: [" a", "a ", "b"] })).toEqual({ subject: "Late refund", summary: "Refund missing", category: "refund", priority: "normal", tags: ["a", "b"] });
  });

  test("refuses each bad field with 422 naming it", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ subject: "" }, "subject"],
      [{ subject: "x".repeat(201) }, "subject"],
      [{ summary: "  " }, "summary"],
      [{ category: "" }, "category"],
      [{ category: "a b" }, "category"],
      [{ category: "-x" }, "category"],
      [{ priority: "p1" }, "priority"],
      [{ tags: [""] }, "tags"],
      [{ tags: ["a|b"] }, "tags"],
      [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, "tags"],
      [{ tags: [5] }, "tags"],
    ];
    for (const [bad, field] of cases) {
      let err: any;
      try {
        checkTicketInput({ ...base, ...bad } as never);
      } catch (e) {
        err = e;
      }
      expect(err?.status).toBe(422);
      expect(err?.details?.field).toBe(field);
    }
  });
});

describe("ticket transitions", () => {
  test("the allowed moves of the workflow; closed is final", () => {
    expect(TRANSITIONS).toEqual({ open: ["pending", "solved", "closed"], pending: ["open", "solved", "closed"], solved: ["open", "closed"], closed: [] });
  });
});

describe("ticket metrics", () => {
  test("counts by category and priority, folding categories past the cap into 'other'", async () => {
    const r = new Registry();
    const m = ticketMetrics(r);
    expect(ticketMetrics(r)).toBe(m);
    for (let i = 0; i < MAX_CATEGORIES + 5; i++) m.opened(`c${i}`, "normal");
    m.opened("c0", "high");
    m.solved("c0", "high");
    const text = await r.metrics();
    expect(text).toContain('tickets_opened_total{category="c0",priority="normal"} 1');
    expect(text).toContain('tickets_opened_total{category="c0",priority="high"} 1');
    expect(text).toContain('tickets_opened_total{category="other",priority="normal"} 5');
    expect(text).not.toContain(`category="c${MAX_CATEGORIES}"`);
    expect(text).toContain('tickets_solved_total{category="c0",priority="high"} 1');
  });
});
