/**
 * POST /v1/chat/completions for the simulator: validates the request, draws faults, builds the answer from the
 * prompt's passages and hands a sequence to the scheduler; streams SSE chunks or returns one JSON completion.
 */
import { buildAnswer, fixedLengthTokens, promptTokenCount, toTokens, type PromptMessage } from "./answer-builder";
import { decideFaults, type FaultConfig } from "./faults";
import { ChunkWriter, completionBody, errorResponse, jsonResponse, usageOf } from "./openai-format";
import { newSequence, type Scheduler } from "./scheduler";
import type { SimulatorMetrics } from "./sim-metrics";

export interface ChatContext {
  scheduler: Scheduler;
  metrics: SimulatorMetrics;
  faults: () => FaultConfig;
  rand: () => number;
  outputTokens: number;
  defaultMaxTokens: number;
  /** Context window: prompt tokens + max_tokens above it is refused, as vLLM refuses it. */
  maxModelLen: number;
  counts: { requests: number; errors: number; rateLimited: number; malformed: number };
}

interface ChatRequest {
  model: string;
  messages: PromptMessage[];
  maxTokens?: number;
  stream: boolean;
  includeUsage: boolean;
}

const encoder = new TextEncoder();
const DROP_DELAY_MS = 25;
let completionSeq = 0;

function textOf(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  if (Array.isArray(content)) {
    return content.map((p) => (p && typeof p === "object" && (p as { type?: unknown }).type === "text" ? String((p as { text?: unknown }).text ?? "") : "")).join("");
  }
  return undefined;
}

/** Parses the body; returns an OpenAI-style 400 response for anything malformed. */
export function parseChatRequest(body: unknown): ChatRequest | Response {
  const bad = (m: string) => errorResponse(400, m, "BadRequestError");
  if (!body || typeof body !== "object" || Array.isArray(body)) return bad("request body must be a JSON object");
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.messages) || b.messages.length === 0) return bad("messages must be a non-empty array");
  const messages: PromptMessage[] = [];
  for (const m of b.messages) {
    const role = (m as { role?: unknown })?.role;
    const content = textOf((m as { content?: unknown })?.content);
    if (typeof role !== "string" || content === undefined) return bad("each message needs a string role and text content");
    messages.push({ role, content });
  }
  const rawMax = b.max_completion_tokens ?? b.max_tokens;
  if (rawMax !== undefined && rawMax !== null && (typeof rawMax !== "number" || !Number.isInteger(rawMax) || rawMax < 1)) {
    return bad("max_tokens must be a positive integer");
  }
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== "boolean") return bad("stream must be a boolean");
  const so = b.stream_options as { include_usage?: unknown } | undefined | null;
  return {
    model: typeof b.model === "string" && b.model ? b.model : "sim-model",
    messages,
    maxTokens: typeof rawMax === "number" ? rawMax : undefined,
    stream: b.stream === true,
    includeUsage: so?.include_usage === true,
  };
}

export function handleChat(ctx: ChatContext, req: ChatRequest, signal: AbortSignal): Response | Promise<Response> {
  ctx.counts.requests++;
  const fault = decideFaults(ctx.faults(), ctx.rand);
  if (fault.immediate === "error") {
    ctx.counts.errors++;
    ctx.metrics.fault("error");
    return errorResponse(500, "simulated internal error", "InternalServerError");
  }
  if (fault.immediate === "rate_limit") {
    ctx.counts.rateLimited++;
    ctx.metrics.fault("rate_limit");
    return errorResponse(429, "simulated rate limit", "RateLimitError", { "retry-after": "1" });
  }
  if (fault.immediate === "malformed") {
    ctx.counts.malformed++;
    ctx.metrics.fault("malformed");
    const text = req.stream ? `data: {"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{"delta":\n\n` : `{"id":"chatcmpl-broken","choices":[{"message":`;
    return new Response(text, { headers: { "content-type": req.stream ? "text/event-stream" : "application/json" } });
  }
  if (fault.dropAfter !== Infinity) ctx.metrics.fault("drop");
  if (fault.stallAfter !== Infinity) ctx.metrics.fault("stall");

  const maxTokens = req.maxTokens ?? ctx.defaultMaxTokens;
  const promptTokens = promptTokenCount(req.messages);
  if (promptTokens + maxTokens > ctx.maxModelLen) {
    // vLLM's wording and status; llama.cpp says the same with type exceed_context_size_error.
    return errorResponse(
      400,
      `This model's maximum context length is ${ctx.maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens ` +
        `(${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
      "BadRequestError",
    );
  }
  let tokens = toTokens(buildAnswer(req.messages));
  if (ctx.outputTokens > 0) tokens = fixedLengthTokens(tokens, ctx.outputTokens);
  const finishReason = tokens.length > maxTokens ? "length" : "stop";
  if (tokens.length > maxTokens) tokens = tokens.slice(0, maxTokens);
  ctx.metrics.promptTokens(promptTokens);
  const id = `chatcmpl-sim${(++completionSeq).toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = () => usageOf(promptTokens, tokens.length);

  // What the scheduler needs of this request, streamed or not.
  const timing: Omit<Parameters<typeof newSequence>[0], "sink"> = { promptTokens, tokens, finishReason, stallAfter: fault.stallAfter, dropAfter: fault.dropAfter };
  if (req.stream) {
    const writer = new ChunkWriter(id, created, req.model, req.includeUsage);
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const send = (s: string) => {
      try {
        controller.enqueue(encoder.encode(s));
      } catch {
        ctx.scheduler.cancel(seq); // the stream is already closed: the client left
      }
    };
    const seq = newSequence({
      ...timing,
      sink: {
        tokens: (t) => send(writer.content(t)),
        finish: () => {
          send(writer.end(finishReason, usage()));
          controller.close();
        },
        // No terminating chunk: the client sees ECONNRESET. The reset waits DROP_DELAY_MS so the tokens
        // enqueued just before it reach the socket (Bun discards unsent chunks on error).
        drop: () => setTimeout(() => controller.error(undefined), DROP_DELAY_MS),
      },
    });
    signal.addEventListener("abort", () => ctx.scheduler.cancel(seq), { once: true });
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        c.enqueue(encoder.encode(writer.role())); // flushes the headers now, as vLLM does
        ctx.scheduler.submit(seq);
      },
      cancel() {
        ctx.scheduler.cancel(seq);
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
  }

  return new Promise<Response>((resolve) => {
    const seq = newSequence({
      ...timing,
      sink: {
        tokens: () => {},
        finish: () => resolve(jsonResponse(completionBody(id, created, req.model, tokens.join(""), finishReason, usage()))),
        drop: () => resolve(new Response(new ReadableStream({ start: (c) => c.error(undefined) }))),
      },
    });
    signal.addEventListener(
      "abort",
      () => {
        ctx.scheduler.cancel(seq);
        resolve(new Response(null, { status: 499 }));
      },
      { once: true },
    );
    ctx.scheduler.submit(seq);
  });
}
