import { describe, expect, test } from "bun:test";
import type { StreamEvent } from "../../../core/ports/language-model";
import type { AnswerGenerator, AnswerInput } from "../answer-generator";
import { newContext } from "../stage";
import { generateStage } from "./generate";

describe("generate stage", () => {
  test("the generator's stream becomes the answer; input is the standalone question, passages, recent turns, max tokens", async () => {
    const inputs: AnswerInput[] = [];
    const gen: AnswerGenerator = {
      id: "g1",
      async *run(input): AsyncIterable<StreamEvent> {
        inputs.push(input);
        yield { type: "finish", reason: "stop" };
      },
    };
    const history = Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? ("assistant" as const) : ("user" as const), content: `turn ${i}` }));
    const ctx = newContext({ tenantId: "t", content: "what about it?", history, maxTokens: 20 });
    ctx.understanding = { normalized: "what about it?", question: "standalone", rewritten: true, slots: { orderNumbers: [], skus: [], emails: [], dates: [] } };
    const stage = generateStage(gen, { historyTurns: 2 });
    expect(stage).toMatchObject({ kind: "produce", routes: ["answer"] });
    await stage.run(ctx);
    expect(ctx.answer?.producer).toBe("g1");
    expect(ctx.meta.generator).toBe("g1");
    for await (const _ of ctx.answer!.events) {
      /* drain */
    }
    expect(inputs[0]).toEqual({ tenantId: "t", question: "standalone", passages: [], history: [{ role: "user", content: "turn 6" }, { role: "assistant", content: "turn 7" }], maxTokens: 20 });
  });
});
