/**
 * POST /v1/chat/completions with the official `openai` npm client pointed at the app, over real HTTP
 * (app.listen on port 0): non-stream and stream, history, citations in the extra fields, usage, errors.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { createApp } from "../../api/app";
import { adminToken, authedApp } from "../helpers/authed-app";
import type { AnswerGenerator } from "../../api/pipeline/answer-generator";
import { createAnswerPipeline } from "../../api/pipeline/default-pipeline";
import { AppError } from "../../core/errors";
import type { StreamEvent } from "../../core/ports/language-model";
import { testServices, type TestServices } from "../helpers/services";
import { ingestKb } from "./conversations-kb";

type Extra = { citations: { n: number; documentId: string; title: string; page: number | null; snippet: string }[]; decision: string; confidence: number };

describe("OpenAI-compatible chat completions", () => {
  let t: TestServices;
  let server: ReturnType<ReturnType<typeof createApp>["listen"]>;
  let client: OpenAI;
  let base: string;
  let docs: Map<string, string>;

  beforeAll(async () => {
    t = await testServices("pglite", { MAX_MESSAGE_CHARS: "300" });
    docs = await ingestKb(t);
    server = authedApp(t.services).listen({ port: 0, hostname: "127.0.0.1" });
    base = `http://127.0.0.1:${server.server!.port}/v1`;
    // The OpenAI client sends its apiKey as the Bearer credential: an API-style admin access token here.
    client = new OpenAI({ baseURL: base, apiKey: await adminToken(t.services), maxRetries: 0 });
  }, 60_000);
  afterAll(async () => {
    server?.stop(true);
    await t?.cleanup();
  });

  test("non-stream: the answer, citations, decision and usage", async () => {
    const res = await client.chat.completions.create({ model: "anything", messages: [{ role: "user", content: "Do you ship to Canada?" }] });
    expect(res.object).toBe("chat.completion");
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.model).toBe("extractive-v1");
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0]!.message.role).toBe("assistant");
    expect(res.choices[0]!.finish_reason).toBe("stop");
    const answer = res.choices[0]!.message.content!;
    expect(answer).toContain("Canada");
    expect(answer).toMatch(/\[\d\]/);
    const extra = res as unknown as Extra;
    expect(extra.decision).toBe("PASS");
    expect(extra.citations[0]).toMatchObject({ documentId: docs.get("Shipping policy"), title: "Shipping policy" });
    expect(res.usage!.completion_tokens).toBeGreaterThan(0);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    // Nothing is stored: the facade has no conversation.
    expect((await t.services.conversations.list({ tenantId: t.config.defaultTenant, limit: 10, offset: 0 })).total).toBe(0);
  });

  test("earlier messages are history: a follow-up is answered as a standalone question", async () => {
    const res = await client.chat.completions.create({
      model: "x",
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: "How long do I have to return a laptop?" },
        { role: "assistant", content: "Laptops can be returned within 15 days [1]." },
        { role: "user", content: [{ type: "text", text: "what about headphones?" }] },
      ],
    });
    expect(res.choices[0]!.message.content).toContain("30 days");
  });

  test("stream: role chunk, content deltas, a final chunk with finish_reason and citations, usage on request", async () => {
    const stream = await client.chat.completions.create({
      model: "x",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Is water damage covered by the warranty?" }],
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toContain("Water damage is not covered");
    const last = chunks.findLast((c) => c.choices[0]?.finish_reason);
    expect(last!.choices[0]!.finish_reason).toBe("stop");
    const extra = last as unknown as Extra;
    expect(extra.decision).toBe("PASS");
    expect(extra.citations[0]).toMatchObject({ documentId: docs.get("Warranty terms") });
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage!.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  test("an off-topic question is declined", async () => {
    const res = await client.chat.completions.create({ model: "x", messages: [{ role: "user", content: "Can you give me a recipe for banana bread?" }] });
    expect((res as unknown as Extra).decision).toBe("ESCALATE");
    expect((res as unknown as Extra).citations).toEqual([]);
  });

  test("bad requests get OpenAI-style errors with the right status", async () => {
    const err = async (body: unknown) => (await client.chat.completions.create(body as never).catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    const noUser = await err({ model: "x", messages: [{ role: "assistant", content: "hello" }] });
    expect(noUser.status).toBe(422);
    expect((noUser.error as { code: string }).code).toBe("LAST_MESSAGE_NOT_USER");
    expect((await err({ model: "x", messages: [] })).status).toBe(422);
    expect((await err({ model: "x", messages: [{ role: "user", content: " " }] })).status).toBe(422);
    expect((await err({ model: "x", messages: [{ role: "user", content: "x".repeat(301) }] })).status).toBe(413);
    expect((await err({ model: "x", messages: [{ role: "wizard", content: "hi" }] })).status).toBe(422);
    expect((await err({ model: "x", n: 2, messages: [{ role: "user", content: "hi" }] })).status).toBe(400);
    const raw = await fetch(`${base}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(raw.status).toBe(400);
  });

  test("max_tokens caps the answer: finish_reason length, in a completion and a stream", async () => {
    const messages = [{ role: "user" as const, content: "Is water damage covered by the warranty?" }];
    const full = await client.chat.completions.create({ model: "x", messages });
    expect(full.choices[0]!.finish_reason).toBe("stop");
    expect(full.usage!.completion_tokens).toBeGreaterThan(8);
    const cut = await client.chat.completions.create({ model: "x", messages, max_tokens: 8 });
    expect(cut.choices[0]!.finish_reason).toBe("length");
    expect(cut.usage!.completion_tokens).toBeLessThanOrEqual(8);
    expect(cut.choices[0]!.message.content!.length).toBeLessThan(full.choices[0]!.message.content!.length);
    const newer = await client.chat.completions.create({ model: "x", messages, max_completion_tokens: 8 });
    expect(newer.choices[0]!.finish_reason).toBe("length");
    const stream = await client.chat.completions.create({ model: "x", messages, max_tokens: 8, stream: true });
    const reasons = [];
    for await (const c of stream) if (c.choices[0]?.finish_reason) reasons.push(c.choices[0].finish_reason);
    expect(reasons).toEqual(["length"]);
  });

  test("GET /v1/models lists the configured generator; /v1/models/:id returns it or an OpenAI-style 404", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual([t.services.generator.id]);
    expect(page.data[0]).toMatchObject({ object: "model", owned_by: expect.any(String), created: expect.any(Number) });
    const one = await client.models.retrieve(t.services.generator.id);
    expect(one.id).toBe("extractive-v1");
    const missing = (await client.models.retrieve("gpt-nope").catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(missing.status).toBe(404);
    expect(missing.error).toMatchObject({ type: "not_found_error", code: "MODEL_NOT_FOUND" });
  });

  test("unsupported parameters are refused with 400 and an OpenAI-style error naming the param", async () => {
    const messages = [{ role: "user" as const, content: "Do you ship to Canada?" }];
    const cases: [Record<string, unknown>, string][] = [
      [{ n: 2 }, "n"],
      [{ tools: [{ type: "function", function: { name: "f", parameters: {} } }] }, "tools"],
      [{ tool_choice: "required" }, "tool_choice"],
      [{ functions: [{ name: "f", parameters: {} }] }, "functions"],
      [{ logprobs: true }, "logprobs"],
      [{ top_logprobs: 2 }, "top_logprobs"],
      [{ response_format: { type: "json_object" } }, "response_format"],
    ];
    for (const [extra, param] of cases) {
      const e = (await client.chat.completions.create({ model: "x", messages, ...extra } as never).catch((x) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect({ param, status: e.status }).toEqual({ param, status: 400 });
      expect(e.error).toMatchObject({ type: "invalid_request_error", param, code: "UNSUPPORTED_PARAMETER" });
      expect((e.error as { message: string }).message).toContain(param);
    }
    // Accepted values of the same parameters still answer.
    const ok = await client.chat.completions.create({ model: "x", messages, n: 1, logprobs: false, response_format: { type: "text" } });
    expect(ok.choices).toHaveLength(1);
    // A schema failure on this route is OpenAI-shaped too.
    const bad = (await client.chat.completions.create({ model: "x", messages: [{ role: "wizard", content: "hi" }] } as never).catch((x) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(bad.error).toMatchObject({ type: "invalid_request_error", param: "messages.0.role", code: "VALIDATION_FAILED" });
  });

  test("a generator failing before its first token (e.g. 429 from the inference gateway) keeps its status and Retry-After", async () => {
    const busy: AnswerGenerator = {
      id: "busy",
      async *run(): AsyncIterable<StreamEvent> {
        throw new AppError({ code: "LLM_OVERLOADED", message: "every backend is busy", category: "rate_limit", retryAfter: 2 });
      },
    };
    const pipeline = createAnswerPipeline({ config: t.config, retriever: t.services.retriever, generator: busy });
    const other = authedApp({ ...t.services, answerPipeline: pipeline });
    for (const stream of [true, false]) {
      const res = await other.handle(
        new Request("http://local/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "x", stream, messages: [{ role: "user", content: "Do you ship to Canada?" }] }) }),
      );
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("2");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("LLM_OVERLOADED");
    }
  });

  test("a streaming client that disconnects stops the work", async () => {
    let aborted = false;
    const endless: AnswerGenerator = {
      id: "endless",
      async *run(_input, signal): AsyncIterable<StreamEvent> {
        yield { type: "start", model: "endless" };
        yield { type: "delta", text: "Thinking " };
        await new Promise<void>((r) => signal?.addEventListener("abort", () => r(), { once: true }));
        aborted = true;
        yield { type: "finish", reason: "abort" };
      },
    };
    const pipeline = createAnswerPipeline({ config: t.config, retriever: t.services.retriever, generator: endless });
    const other = authedApp({ ...t.services, answerPipeline: pipeline }).listen({ port: 0, hostname: "127.0.0.1" });
    try {
      const controller = new AbortController();
      const res = await fetch(`http://127.0.0.1:${other.server!.port}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "x", stream: true, messages: [{ role: "user", content: "How long do I have to return a laptop?" }] }),
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("chat.completion.chunk");
      expect(aborted).toBe(false);
      controller.abort();
      for (let i = 0; i < 100 && !aborted; i++) await Bun.sleep(10);
      expect(aborted).toBe(true);
    } finally {
      other.stop(true);
    }
  });
});
