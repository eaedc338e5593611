/**
 * An OpenAI-compatible chat completion over the answer pipeline (no conversation is stored): the last user
 * message is the question, the earlier user/assistant messages are the history it may follow up on; system
 * and tool messages are ignored. The answer keeps its [n] markers; the extra fields are
 *   `citations` [{n, documentId, title, page, snippet}], `decision` (PASS | ASK_USER | ESCALATE), `confidence`
 * on the completion, and on the final chunk (the one with finish_reason) of a stream.
 */
import { randomUUID } from "node:crypto";
import { AppError, errors } from "../../../core/errors";
import { newContext, type FinalAnswer, type HistoryTurn } from "../../pipeline/stage";
import type { Services } from "../../services";
import { encodeSse, sseStream } from "../../streaming/sse";
import { checkContent } from "../conversations/service";
import type { ChatCompletionBody } from "./model";

type ChatServices = Pick<Services, "config" | "answerPipeline">;

export interface ChatRequest {
  question: string;
  history: HistoryTurn[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens?: number;
}

/** An OpenAI-style invalid request (400, `param` names the field). */
export function unsupportedParameter(param: string, message: string): AppError {
  return new AppError({ code: "UNSUPPORTED_PARAMETER", message, category: "validation", status: 400, details: { param } });
}

/**
 * Parameters of the OpenAI API this facade cannot honour, refused rather than silently ignored: each entry is
 * the field and when its value asks for something unsupported. (temperature, top_p, stop, seed, user, ... are
 * accepted and have no effect on the grounded answer.)
 */
const UNSUPPORTED: [param: string, asks: (v: unknown) => boolean, why: string][] = [
  ["n", (v) => typeof v === "number" && v > 1, "only n = 1 is supported: the answer pipeline produces one grounded answer"],
  ["tools", (v) => Array.isArray(v) && v.length > 0, "tools are not supported: answers come from the knowledge base"],
  ["tool_choice", (v) => v !== undefined && v !== null && v !== "none", "tool_choice is not supported (no tools)"],
  ["functions", (v) => Array.isArray(v) && v.length > 0, "functions are not supported: answers come from the knowledge base"],
  ["function_call", (v) => v !== undefined && v !== null && v !== "none", "function_call is not supported (no functions)"],
  ["parallel_tool_calls", (v) => v === true, "parallel_tool_calls is not supported (no tools)"],
  ["logprobs", (v) => v === true, "logprobs are not supported"],
  ["top_logprobs", (v) => v !== undefined && v !== null, "top_logprobs are not supported"],
  ["logit_bias", (v) => !!v && typeof v === "object" && Object.keys(v).length > 0, "logit_bias is not supported"],
  ["response_format", (v) => !!v && typeof v === "object" && (v as { type?: unknown }).type !== "text", "only response_format {type: 'text'} is supported"],
  ["modalities", (v) => Array.isArray(v) && v.some((m) => m !== "text"), "only the text modality is supported"],
  ["audio", (v) => v !== undefined && v !== null, "audio output is not supported"],
  ["prediction", (v) => v !== undefined && v !== null, "predicted outputs are not supported"],
];

const textOf = (content: ChatCompletionBody["messages"][number]["content"]): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((p) => (p.type === "text" && typeof p.text === "string" ? p.text : "")).join("") : "";

export function parseChatRequest(body: ChatCompletionBody, maxChars: number): ChatRequest {
  const raw = body as Record<string, unknown>;
  for (const [param, asks, why] of UNSUPPORTED) if (asks(raw[param])) throw unsupportedParameter(param, why);
  const last = body.messages[body.messages.length - 1]!;
  if (last.role !== "user") throw errors.invalid("LAST_MESSAGE_NOT_USER", "the last message must be the user's question (role 'user')");
  const question = checkContent(textOf(last.content), maxChars);
  const history = body.messages
    .slice(0, -1)
    .filter((m) => m.role === "user" || m.role === "assistant")
    .map((m) => ({ role: m.role as "user" | "assistant", content: textOf(m.content).trim() }))
    .filter((m) => m.content)
    .slice(-6);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return { question, history, stream: body.stream === true, includeUsage: body.stream_options?.include_usage === true, ...(maxTokens !== undefined ? { maxTokens } : {}) };
}

const usageOf = (f: FinalAnswer) => {
  const prompt = f.usage?.promptTokens ?? 0;
  const completion = f.usage?.completionTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
};

const extras = (f: FinalAnswer) => ({
  citations: f.citations.map((c) => ({ n: c.n, documentId: c.documentId, title: c.title, page: c.page, snippet: c.snippet })),
  decision: f.decision,
  confidence: f.confidence,
});

const finishReason = (f: FinalAnswer) => (f.finishReason === "length" ? "length" : "stop");

export async function completeChat(s: ChatServices, tenantId: string, req: ChatRequest, signal?: AbortSignal) {
  const ctx = newContext({ tenantId, content: req.question, history: req.history, signal, maxTokens: req.maxTokens });
  const run = await s.answerPipeline.start(ctx);
  for await (const _ of run.events) {
    /* the outcome carries the text */
  }
  const f = await s.answerPipeline.finish(ctx);
  if (f.status === "failed" || f.error) throw errors.unavailable(f.error?.code ?? "ANSWER_FAILED", f.error?.message ?? "the answer could not be completed");
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion" as const,
    created: Math.floor(Date.now() / 1000),
    model: f.generatorId,
    choices: [{ index: 0, message: { role: "assistant" as const, content: f.answer, refusal: null }, finish_reason: finishReason(f), logprobs: null }],
    usage: usageOf(f),
    system_fingerprint: null,
    ...extras(f),
  };
}

/**
 * Streams chat.completion.chunk objects as `data:` lines, then `data: [DONE]`. Failures before the first
 * generated event are thrown (the route answers with their status); later ones end the stream with
 * `data: {"error": {...}}`. A client that disconnects stops the work.
 */
export async function streamChat(s: ChatServices, tenantId: string, req: ChatRequest, heartbeatMs: number, signal?: AbortSignal): Promise<Response> {
  const controller = new AbortController();
  signal?.addEventListener("abort", () => controller.abort(), { once: true });
  const ctx = newContext({ tenantId, content: req.question, history: req.history, signal: controller.signal, maxTokens: req.maxTokens });
  const run = await s.answerPipeline.start(ctx);
  const it = run.events[Symbol.asyncIterator]();
  const first = await it.next();
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = String(ctx.meta.generator ?? "unknown");
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    encodeSse({ data: JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: null, choices, ...extra }) });
  // Per token only the text is serialised; the rest of the chunk is the same for the whole stream.
  const [head, tail] = chunk([{ index: 0, delta: { content: "\u0000" }, finish_reason: null, logprobs: null }]).split('"\\u0000"');
  const contentChunk = (text: string) => head + JSON.stringify(text) + tail;
  return sseStream(
    async (w) => {
      try {
        w.raw(chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }]));
        for (let r = first; !r.done; r = await it.next()) {
          if (w.closed) {
            await it.return?.(); // the client left: end the stream (outcome "abort") before finishing
            break;
          }
          if (r.value.type === "delta") w.raw(contentChunk(r.value.text));
        }
        const f = await s.answerPipeline.finish(ctx);
        if (f.status === "failed" || f.error) {
          w.send({ data: JSON.stringify({ error: { code: f.error?.code ?? "ANSWER_FAILED", message: f.error?.message ?? "the answer could not be completed", type: "server_error" } }) });
        } else {
          w.raw(chunk([{ index: 0, delta: {}, finish_reason: finishReason(f), logprobs: null }], extras(f)));
          if (req.includeUsage) w.raw(chunk([], { usage: usageOf(f) }));
        }
        w.send({ data: "[DONE]" });
      } catch (e) {
        w.send({ data: JSON.stringify({ error: { code: "STREAM_FAILED", message: (e as Error).message, type: "server_error" } }) });
      }
    },
    { heartbeatMs, onCancel: () => controller.abort() },
  );
}

/** The OpenAI model list: the one configured generator (the id completions report as `model`). */
export function listModels(generatorId: string, created: number) {
  return { object: "list" as const, data: [modelOf(generatorId, created)] };
}

export function modelOf(id: string, created: number) {
  return { id, object: "model" as const, created, owned_by: "deskpilot" };
}
