import { describe, expect, test } from "bun:test";
import type { StreamEvent } from "../../../core/ports/language-model";
import type { Passage } from "../../../core/ports/retrieval";
import { newContext } from "../stage";
import { citeStage } from "./cite";

const P = (chunkId: string): Passage => ({
  chunkId, documentId: chunkId, title: chunkId, page: null, sectionPath: [], text: "x.", charStart: 0, charEnd: 2, docType: "faq", source: "s", tags: [], score: 1, ranks: {},
});

async function run(events: (StreamEvent | Error)[], passages = [P("a"), P("b")]) {
  const ctx = newContext({ tenantId: "t", content: "q" });
  ctx.passages = passages;
  const source = (async function* () {
    for (const e of events) {
      if (e instanceof Error) throw e;
      yield e;
    }
  })();
  const out: StreamEvent[] = [];
  let thrown: unknown;
  try {
    for await (const e of citeStage().wrap(source, ctx)) out.push(e);
  } catch (e) {
    thrown = e;
  }
  return { out, ctx, thrown };
}

const text = (evs: StreamEvent[]) => evs.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");

describe("cite stage", () => {
  test("maps markers split across deltas, one citation event per passage, after the delta that closes it", async () => {
    const { out, ctx } = await run([{ type: "start", model: "m" }, { type: "delta", text: "Two years [" }, { type: "delta", text: "2]. Also [2]." }, { type: "finish", reason: "stop" }]);
    expect(out).toEqual([
      { type: "start", model: "m" },
      { type: "delta", text: "Two years" },
      { type: "delta", text: " [1]. Also [1]." },
      { type: "citation", n: 1, passageId: "b" },
      { type: "finish", reason: "stop" },
    ]);
    expect(ctx.citationStats).toEqual({ markers: 2, invalid: [] });
    // Passage b, cited first, is now [1]: ctx.passages follows the numbering.
    expect(ctx.passages.map((p) => p.chunkId)).toEqual(["b", "a"]);
  });

  test("citations are numbered 1..n in the order they first appear; passages and sources follow", async () => {
    const passages = [P("a"), P("b"), P("c"), P("d")];
    const ctx0 = newContext({ tenantId: "t", content: "q" });
    ctx0.passages = passages;
    ctx0.sources = passages.map((p, i) => ({ n: i + 1, chunkId: p.chunkId, documentId: p.documentId, title: p.title, page: null, sectionPath: [], snippet: "" }));
    const source = (async function* (): AsyncIterable<StreamEvent> {
      yield { type: "delta", text: "C says [3]. A says [1" };
      yield { type: "delta", text: "]. Both [3, 1][2]. Bad [9]." };
      yield { type: "finish", reason: "stop" };
    })();
    const out: StreamEvent[] = [];
    const seenSources: string[] = [];
    for await (const e of citeStage().wrap(source, ctx0)) {
      out.push(e);
      // What the stream layer does: look the source up by the event's number while streaming.
      if (e.type === "citation") seenSources.push(ctx0.sources[e.n - 1]!.chunkId);
    }
    expect(text(out)).toBe("C says [1]. A says [2]. Both [1, 2][3]. Bad.");
    expect(out.filter((e) => e.type === "citation")).toEqual([
      { type: "citation", n: 1, passageId: "c" },
      { type: "citation", n: 2, passageId: "a" },
      { type: "citation", n: 3, passageId: "b" },
    ]);
    expect(seenSources).toEqual(["c", "a", "b"]);
    expect(ctx0.passages.map((p) => p.chunkId)).toEqual(["c", "a", "b", "d"]);
    expect(ctx0.sources.map((s) => [s.n, s.chunkId])).toEqual([[1, "c"], [2, "a"], [3, "b"], [4, "d"]]);
    // The producer's array is not reordered under it.
    expect(passages.map((p) => p.chunkId)).toEqual(["a", "b", "c", "d"]);
    expect(ctx0.citationStats).toEqual({ markers: 4, invalid: [9] });
  });

  test("numbers with no passage are dropped and counted; a producer's own citation events are replaced", async () => {
    const { out, ctx } = await run([{ type: "delta", text: "A [1, 9]. B [7]." }, { type: "citation", n: 7, passageId: "zz" }, { type: "finish", reason: "stop" }]);
    expect(text(out)).toBe("A [1]. B.");
    expect(out.filter((e) => e.type === "citation")).toEqual([{ type: "citation", n: 1, passageId: "a" }]);
    expect(ctx.citationStats).toEqual({ markers: 1, invalid: [9, 7] });
  });

  test("held-back text is sent before an error event, and before a failure is passed on", async () => {
    const e1 = await run([{ type: "delta", text: "Partial " }, { type: "error", code: "X", message: "x", retryable: false }]);
    expect(text(e1.out)).toBe("Partial ");
    expect(e1.out.at(-1)).toMatchObject({ type: "error", code: "X" });
    const e2 = await run([{ type: "delta", text: "Partial " }, new Error("socket closed")]);
    expect(text(e2.out)).toBe("Partial ");
    expect((e2.thrown as Error).message).toBe("socket closed");
  });
});
