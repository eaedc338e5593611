import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { errors } from "../../core/errors";
import type { StreamEvent } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";
import type { AnswerGenerator, AnswerInput } from "./answer-generator";
import { createAnswerPipeline, defaultStages } from "./default-pipeline";
import { ExtractiveAnswerGenerator } from "./extractive-generator";
import type { RetrieveRequest, RetrieveResult } from "./hybrid-retriever";
import { AnswerPipeline } from "./runner";
import { newContext, setRoute, type Stage } from "./stage";
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
function scripted(events: StreamEvent[], o: { failAt?: number } = {}): AnswerGenerator & { inputs: AnswerInput[] } {
  const inputs: AnswerInput[] = [];
  return {
    id: "scripted",
    inputs,
    async *run(input) {
      inputs.push(input);
      for (let i = 0; i < events.length; i++) {
        if (i === o.failAt) throw errors.unavailable("BACKEND_DOWN", "no backend");
        yield events[i]!;
      }
    },
  };
}

const EVENTS: StreamEvent[] = [{ type: "start", model: "m" }, { type: "delta", text: "Headphones can be returned within 30 days " }, { type: "delta", text: "[1]." }, { type: "citation", n: 1, passageId: "r" }, { type: "finish", reason: "stop" }];
const drain = async (it: AsyncIterable<StreamEvent>) => {
  const out: StreamEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};
const deps = (generator: AnswerGenerator, seen?: RetrieveRequest[]) => ({ config: { limits: { maxQueryChars: 40 } } as never, retriever: fakeRetriever(seen), generator });

/** The stream as the default stages send it: the cite stage holds " " back until the marker closes. */
const SENT: StreamEvent[] = [EVENTS[0]!, { type: "delta", text: "Headphones can be returned within 30 days" }, { type: "delta", text: " [1]." }, { type: "citation", n: 1, passageId: "r" }, EVENTS[4]!];

/** A produce stage streaming a fixed text for the given routes (a cache hit, a ticket confirmation...). */
const fixedAnswer = (name: string, routes: Stage["routes"], text: string): Stage => ({
  name,
  kind: "produce",
  routes,
  run(ctx) {
    ctx.meta.generator = name;
    ctx.answer = {
      producer: name,
      events: (async function* (): AsyncIterable<StreamEvent> {
        yield { type: "start", model: name };
        yield { type: "delta", text };
        yield { type: "finish", reason: "stop", assessment: { decision: "PASS", confidence: 1 } };
      })(),
    };
  },
});

describe("AnswerPipeline", () => {
  test("runs understand, retrieve, rerank, assemble, generate, cite, decide, persist, timing each", async () => {
    const seen: RetrieveRequest[] = [];
    const gen = scripted(EVENTS);
    const writes: string[] = [];
    const p = createAnswerPipeline({ ...deps(gen, seen), conversations: { updateMessage: async (_t, id, patch) => void writes.push(`${id}:${patch.content ?? ""}`) } });
    // The scripted generator does not gate itself, so the grounding gate stands in front of it (and lets this question through).
    expect(p.stageNames).toEqual(["understand", "retrieve", "rerank", "assemble", "ground", "generate", "cite", "decide", "persist"]);
    const ctx = newContext({
      tenantId: "t1",
      content: "what about headphones?",
      history: [{ role: "user", content: "How long do I have to return a laptop?" }],
      target: { conversationId: "c", messageId: "m", userMessageId: "u" },
    });
    const run = await p.start(ctx);
    expect(await drain(run.events)).toEqual(SENT);
    const final = await p.finish(ctx);
    expect(seen[0]).toMatchObject({ query: "How long do I have to return headphones?", k: 16, filter: { tenantId: "t1" } });
    expect(gen.inputs[0]).toMatchObject({ tenantId: "t1", question: "How long do I have to return headphones?", history: [{ role: "user", content: "How long do I have to return a laptop?" }] });
    expect(gen.inputs[0]!.passages.map((x) => x.chunkId)).toEqual(["r", "s"]);
    expect(final).toMatchObject({ answer: "Headphones can be returned within 30 days [1].", status: "complete", rewritten: true, route: "answer", decision: "PASS", citations: [{ n: 1, documentId: "doc-r" }] });
    expect(final.confidence).toBeGreaterThan(0.5);
    expect(writes).toEqual(["m:Headphones can be returned within 30 days [1].", "u:"]);
    for (const s of ["understand", "retrieve", "rerank", "assemble", "firstDelta", "generate", "decide", "persist"]) expect(ctx.timings[s]).toBeGreaterThanOrEqual(0);
    expect(ctx.meta).toMatchObject({ route: "answer", generator: "scripted", rewritten: true });
  });

  test("a new stage is one file and one line in the list: a transform stage changes what is sent and so what is stored", async () => {
    // What a new file in stages/ would export:
    const shout: Stage = {
      name: "shout",
      kind: "transform",
      routes: ["answer"],
      async *wrap(events) {
        for await (const ev of events) yield ev.type === "delta" ? { ...ev, text: ev.text.toUpperCase() } : ev;
      },
    };
    const writes: string[] = [];
    const d = { ...deps(new ExtractiveAnswerGenerator()), conversations: { updateMessage: async (_t: string, _id: string, patch: { content?: string }) => void (patch.content !== undefined && writes.push(patch.content)) } };
    // ...and the one line added to the default list:
    const stages = defaultStages(d);
    const p = new AnswerPipeline([...stages.slice(0, 6), shout, ...stages.slice(6)]);
    expect(p.stageNames).toEqual(["understand", "retrieve", "rerank", "assemble", "generate", "cite", "shout", "decide", "persist"]);
    const ctx = newContext({ tenantId: "t", content: "How long can laptops be returned?", target: { conversationId: "c", messageId: "m", userMessageId: "u" } });
    const sent = (await drain((await p.start(ctx)).events)).flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
    const final = await p.finish(ctx);
    expect(sent).toContain("15 DAYS");
    expect(final.answer).toBe(sent);
    expect(writes).toEqual([sent]);
  });

  test("long questions are cut at a word for retrieval; prepare() produces nothing", async () => {
    const seen: RetrieveRequest[] = [];
    const gen = scripted(EVENTS);
    const p = createAnswerPipeline(deps(gen, seen));
    const ctx = newContext({ tenantId: "t", content: "laptop returns ".repeat(10) });
    await p.prepare(ctx);
    expect(seen[0]!.query.length).toBeLessThanOrEqual(40);
    expect(seen[0]!.query.endsWith(" ")).toBe(false);
    expect(ctx.answer).toBeUndefined();
    expect(gen.inputs).toEqual([]);
    expect(ctx.passages.length).toBe(2);
  });

  test("a stage that produces the answer (e.g. a cache hit) skips retrieval and generation; its stream is cited, decided and stored", async () => {
    const seen: RetrieveRequest[] = [];
    const gen = scripted(EVENTS);
    const p = createAnswerPipeline(deps(gen, seen)).with(fixedAnswer("cache", ["answer"], "Cached."), "retrieve");
    const ctx = newContext({ tenantId: "t", content: "hello?" });
    const run = await p.start(ctx);
    expect((await drain(run.events)).map((e) => e.type)).toEqual(["start", "delta", "finish"]);
    const final = await p.finish(ctx);
    expect(seen).toEqual([]);
    expect(gen.inputs).toEqual([]);
    expect(final).toMatchObject({ answer: "Cached.", generatorId: "cache", decision: "PASS", confidence: 1, status: "complete" });
    expect(Object.keys(ctx.timings)).toContain("cache");
    expect(Object.keys(ctx.timings)).not.toContain("retrieve");
  });

  test("stages run for the routes they declare: a routed message skips the answer route's stages", async () => {
    const seen: RetrieveRequest[] = [];
    const gen = scripted(EVENTS);
    const route: Stage = { name: "route", kind: "prepare", routes: "all", run: (ctx) => setRoute(ctx, "clarify", "vague") };
    const p = createAnswerPipeline(deps(gen, seen)).with(route, "retrieve").with(fixedAnswer("clarify", ["clarify"], "Which order do you mean?"), "persist");
    const ctx = newContext({ tenantId: "t", content: "it is broken" });
    await drain((await p.start(ctx)).events);
    const final = await p.finish(ctx);
    expect(seen).toEqual([]);
    expect(gen.inputs).toEqual([]);
    expect(final).toMatchObject({ answer: "Which order do you mean?", route: "clarify", generatorId: "clarify" });
    expect(ctx.meta).toMatchObject({ route: "clarify", intent: "vague" });
  });

  test("a route no stage produces an answer for is an error naming the route", async () => {
    const route: Stage = { name: "route", kind: "prepare", routes: "all", run: (ctx) => setRoute(ctx, "ticket") };
    const p = createAnswerPipeline(deps(scripted(EVENTS))).with(route, "retrieve");
    const err = await p.start(newContext({ tenantId: "t", content: "x" })).catch((e) => e);
    expect(err.code).toBe("NO_ANSWER_PRODUCED");
    expect(err.message).toContain("'ticket'");
  });

  test("two stages with one name are refused", () => {
    const p = createAnswerPipeline(deps(scripted(EVENTS)));
    expect(() => p.with(fixedAnswer("cite", "all", "x"))).toThrow("two stages are named 'cite'");
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
    expect(evs.map((e) => e.type)).toEqual(["start", "delta", "delta", "error"]); // the text, then the held-back " "
    const final = await p.finish(ctx);
    expect(final).toMatchObject({ answer: "Headphones can be returned within 30 days ", status: "partial", finishReason: "error", error: { code: "BACKEND_DOWN" }, decision: "ESCALATE", confidence: 0 });
  });

  test("a stream that ends without a terminal event gets one; nothing after a terminal event is sent", async () => {
    const noEnd = createAnswerPipeline(deps(scripted(EVENTS.slice(0, 3))));
    const a = newContext({ tenantId: "t", content: "laptop returns?" });
    expect((await drain((await noEnd.start(a)).events)).at(-1)).toMatchObject({ type: "error", code: "STREAM_INTERRUPTED" });
    expect((await noEnd.finish(a)).status).toBe("partial");
    const extra = createAnswerPipeline(deps(scripted([...EVENTS, { type: "delta", text: "late" }])));
    const b = newContext({ tenantId: "t", content: "laptop returns?" });
    const evs = await drain((await extra.start(b)).events);
    expect(evs.at(-1)).toEqual({ type: "finish", reason: "stop" });
    expect((await extra.finish(b)).answer).toBe("Headphones can be returned within 30 days [1].");
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
