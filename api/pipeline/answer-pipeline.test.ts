import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { errors } from "../../core/errors";
import type { StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";
import type { AnswerGenerator, AnswerInput, AnswerOutcome } from "./answer-generator";
import { AnswerPipeline, createAnswerPipeline, newContext, type Stage } from "./answer-pipeline";
import { ExtractiveAnswerGenerator } from "./extractive-generator";
import type { RetrieveRequest, RetrieveResult } from "./retrieve";
import { STAGE_HISTOGRAM, StageTimer } from "./stage-timer";

const passage = (id: string, text: string, score: number): Passage => ({
  chunkId: id, documentId: `doc-${id}`, title: `Title ${id}`, page: null, sectionPath: [], text, charStart: 0, charEnd: text.length,
  docType: "policy", source: `s-${id}`, tags: [], score, ranks: {},
});

const KB = [
  passage("r", "Laptops can be returned within 15 days of delivery. Headphones can be returned within 30 days.", 0.9),
  passage("s", "We ship to Canada with UPS Standard in 5 to 8 business days.", 0.5),
];

function fakeRetriever(seen: RetrieveRequest[] = []) {
  return {
    async retrieve(req: RetrieveRequest): Promise<RetrieveResult> {
      seen.push(req);
      return { passages: KB, channels: {}, tookMs: 0 };
    },
  };
}

/** A generator whose events are scripted; `failAt` throws instead of yielding event i. */
function scripted(events: StreamEvent[], o: { failAt?: number; reject?: boolean } = {}): AnswerGenerator & { inputs: AnswerInput[] } {
  const inputs: AnswerInput[] = [];
  return {
    id: "scripted",
    inputs,
    run(input) {
      inputs.push(input);
      let settle!: (x: AnswerOutcome) => void;
      let fail!: (e: unknown) => void;
      const outcome = new Promise<AnswerOutcome>((res, rej) => ((settle = res), (fail = rej)));
      async function* gen(): AsyncIterable<StreamEvent> {
        for (let i = 0; i < events.length; i++) {
          if (i === o.failAt) {
            const e = errors.unavailable("BACKEND_DOWN", "no backend");
            if (o.reject !== false) fail(e);
            throw e;
          }
          yield events[i]!;
        }
        if (o.reject) fail(errors.internal("LATE", "outcome failed late"));
        else settle({ text: "Hi [1].", citations: [{ n: 1, passageIndex: 0 }], decision: "PASS", confidence: 0.9, finishReason: "stop", generatorId: "scripted" });
      }
      return { events: gen(), outcome };
    },
  };
}

const EVENTS: StreamEvent[] = [{ type: "start", model: "m" }, { type: "delta", text: "Hi " }, { type: "delta", text: "[1]." }, { type: "citation", n: 1, passageId: "r" }, { type: "finish", reason: "stop" }];
const drain = async (it: AsyncIterable<StreamEvent>) => {
  const out: StreamEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};
const deps = (generator: AnswerGenerator, seen?: RetrieveRequest[]) => ({ config: { limits: { maxQueryChars: 40 } } as never, retriever: fakeRetriever(seen), generator });

describe("AnswerPipeline", () => {
  test("runs understand, retrieve, rerank, assemble, generate, then persist, timing each", async () => {
    const seen: RetrieveRequest[] = [];
    const gen = scripted(EVENTS);
    const p = createAnswerPipeline(deps(gen, seen));
    expect(p.stageNames).toEqual(["understand", "retrieve", "rerank", "assemble", "generate", "persist"]);
    const ctx = newContext({ tenantId: "t1", content: "what about headphones?", history: [{ role: "user", content: "How long do I have to return a laptop?" }] });
    const run = await p.start(ctx);
    expect(await drain(run.events)).toEqual(EVENTS);
    const final = await p.finish(ctx);
    expect(seen[0]).toMatchObject({ query: "How long do I have to return headphones?", k: 16, filter: { tenantId: "t1" } });
    expect(gen.inputs[0]).toMatchObject({ tenantId: "t1", question: "How long do I have to return headphones?", history: [{ role: "user", content: "How long do I have to return a laptop?" }] });
    expect(gen.inputs[0]!.passages.map((x) => x.chunkId)).toEqual(["r", "s"]);
    expect(final).toMatchObject({ answer: "Hi [1].", status: "complete", rewritten: true, citations: [{ n: 1, documentId: "doc-r" }] });
    for (const s of ["understand", "retrieve", "rerank", "assemble", "firstDelta", "generate", "persist"]) expect(ctx.timings[s]).toBeGreaterThanOrEqual(0);
    expect(ctx.meta).toMatchObject({ route: "answer", generator: "scripted", rewritten: true });
  });

  test("long questions are cut at a word for retrieval", async () => {
    const seen: RetrieveRequest[] = [];
    const p = createAnswerPipeline(deps(scripted(EVENTS), seen));
    const ctx = newContext({ tenantId: "t", content: "laptop returns ".repeat(10) });
    await p.prepare(ctx);
    expect(seen[0]!.query.length).toBeLessThanOrEqual(40);
    expect(seen[0]!.query.endsWith(" ")).toBe(false);
    expect(ctx.run).toBeUndefined(); // prepare() stops before generate
    expect(ctx.passages.length).toBe(2);
  });

  test("a stage that produces the answer (e.g. a cache) skips retrieval and generation", async () => {
    const seen: RetrieveRequest[] = [];
    const gen = scripted(EVENTS);
    const base = createAnswerPipeline(deps(gen, seen));
    const cached = scripted([{ type: "start", model: "cache" }, { type: "delta", text: "Cached." }, { type: "finish", reason: "stop" }]);
    const cacheStage: Stage = { name: "cache", run: (ctx) => void (ctx.run = cached.run({ tenantId: ctx.tenantId, question: ctx.content, passages: [], history: [] })) };
    const p = new AnswerPipeline([base.before[0]!, cacheStage, ...base.before.slice(1)], base.after);
    const ctx = newContext({ tenantId: "t", content: "hello?" });
    const run = await p.start(ctx);
    expect((await drain(run.events)).map((e) => e.type)).toEqual(["start", "delta", "finish"]);
    expect(seen).toEqual([]);
    expect(gen.inputs).toEqual([]);
    expect(Object.keys(ctx.timings)).toContain("cache");
    expect(Object.keys(ctx.timings)).not.toContain("retrieve");
  });

  test("a failure before the first event is thrown (so the API can answer with its status)", async () => {
    const p = createAnswerPipeline(deps(scripted(EVENTS, { failAt: 0 })));
    const ctx = newContext({ tenantId: "t", content: "laptop returns?" });
    const run = await p.start(ctx);
    const err = await run.events[Symbol.asyncIterator]().next().catch((e) => e);
    expect(err.code).toBe("BACKEND_DOWN");
    expect(await run.outcome.catch((e) => e.code)).toBe("BACKEND_DOWN");
  });

  test("a failure after the first event ends the stream with an error event and an error outcome", async () => {
    const p = createAnswerPipeline(deps(scripted(EVENTS, { failAt: 2 })));
    const ctx = newContext({ tenantId: "t", content: "laptop returns?" });
    const run = await p.start(ctx);
    const evs = await drain(run.events);
    expect(evs.map((e) => e.type)).toEqual(["start", "delta", "error"]);
    const final = await p.finish(ctx);
    expect(final).toMatchObject({ answer: "Hi ", status: "partial", finishReason: "error", error: { code: "BACKEND_DOWN" }, decision: "ESCALATE" });
  });

  test("an outcome that rejects after the stream keeps the streamed text", async () => {
    const p = createAnswerPipeline(deps(scripted(EVENTS, { reject: true })));
    const ctx = newContext({ tenantId: "t", content: "laptop returns?" });
    await drain((await p.start(ctx)).events);
    const final = await p.finish(ctx);
    expect(final).toMatchObject({ answer: "Hi [1].", status: "partial", error: { code: "LATE" }, citations: [{ n: 1, documentId: "doc-r" }] });
  });

  test("with the extractive generator, the answer is grounded in the retrieved passages", async () => {
    const p = createAnswerPipeline(deps(new ExtractiveAnswerGenerator()));
    const ctx = newContext({ tenantId: "t", content: "How long can laptops be returned?" });
    await drain((await p.start(ctx)).events);
    const final = await p.finish(ctx);
    expect(final.decision).toBe("PASS");
    expect(final.answer).toContain("15 days");
    expect(final.citations[0]!.chunkId).toBe("r");
  });
});

describe("StageTimer", () => {
  test("records milliseconds into timings and seconds into one shared histogram", async () => {
    const registry = new Registry();
    const timer = new StageTimer(registry);
    new StageTimer(registry); // a second timer reuses the registered histogram
    const timings: Record<string, number> = {};
    await timer.time(timings, "retrieve", () => Bun.sleep(5));
    await expect(timer.time(timings, "broken", () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(timings.retrieve).toBeGreaterThanOrEqual(4);
    expect(timings.broken).toBeGreaterThanOrEqual(0);
    const text = await registry.metrics();
    expect(text).toContain(`${STAGE_HISTOGRAM}_count{stage="retrieve"} 1`);
    expect(text).toContain(`${STAGE_HISTOGRAM}_count{stage="broken"} 1`);
  });
});
