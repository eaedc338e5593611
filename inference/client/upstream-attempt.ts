/**
 * One streamed request to one backend through the OpenAI SDK, with its own time limits: no first token within
 * `ttftMs` or no end by `deadline` aborts the HTTP request and throws an AttemptError of kind timeout; the
 * caller's signal aborts it too (kind aborted). Leaving the iteration early also aborts the upstream request,
 * so the backend frees the sequence's slot at once.
 */
import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { readSse } from "../../core/text/sse-reader";
import type { Backend } from "./backend-pool";
import { AttemptError, classifyUpstreamError } from "./upstream-error";

export type AttemptEvent =
  | { type: "token"; text: string }
  | { type: "end"; finishReason: string; usage?: { promptTokens: number; completionTokens: number } };

export interface AttemptOptions {
  signal?: AbortSignal;
  /** Milliseconds allowed until the first token. */
  ttftMs: number;
  /** performance.now() by which the whole answer must have ended. */
  deadline: number;
}

type StopReason = "ttft" | "total" | "caller";

export async function* attemptStream(
  backend: Backend,
  params: Omit<ChatCompletionCreateParamsStreaming, "model" | "stream" | "stream_options">,
  o: AttemptOptions,
): AsyncGenerator<AttemptEvent> {
  const ac = new AbortController();
  let stopped: StopReason | null = null;
  const stop = (r: StopReason) => {
    if (stopped) return;
    stopped = r;
    ac.abort();
  };
  if (o.signal?.aborted) throw new AttemptError({ kind: "aborted", message: "the caller aborted the request" });
  const onCallerAbort = () => stop("caller");
  o.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const left = Math.max(0, o.deadline - performance.now());
  const ttftTimer = left > o.ttftMs ? setTimeout(() => stop("ttft"), o.ttftMs) : undefined;
  const totalTimer = setTimeout(() => stop("total"), left);
  let first = false;
  let completed = false;
  const stoppedError = (r: StopReason) =>
    new AttemptError(
      r === "caller"
        ? { kind: "aborted", message: "the caller aborted the request" }
        : r === "ttft"
          ? { kind: "timeout", message: `no first token from ${backend.host} within ${o.ttftMs} ms` }
          : { kind: "timeout", message: `the answer from ${backend.host} did not finish within the time limit` },
    );
  try {
    let finishReason: string | null = null;
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    try {
      // The SDK sends the request and turns HTTP errors into its error classes; the body is read here, because
      // the SDK's own stream decoding copies every chunk three times (a fifth of the API's CPU per token).
      const response = await backend.client.chat.completions
        .create({ ...params, model: backend.model, stream: true, stream_options: { include_usage: true } }, { signal: ac.signal, timeout: Math.max(1, Math.floor(left)), maxRetries: 0 })
        .asResponse();
      if (!response.body) throw new AttemptError({ kind: "interrupted", message: `${backend.host} answered without a body` });
      let done = false;
      for await (const m of readSse(response.body)) {
        if (m.comment !== undefined || done) continue;
        if (m.data.startsWith("[DONE]")) {
          done = true;
          continue;
        }
        const chunk = JSON.parse(m.data) as ChatCompletionChunk & { error?: Record<string, unknown> };
        // An error reported inside the stream, as the SDK's decoder would raise it.
        if (chunk?.error) throw new OpenAI.APIError(undefined, chunk.error, undefined, response.headers);
        const choice = chunk.choices?.[0];
        const text = choice?.delta?.content;
        if (text) {
          if (!first) {
            first = true;
            clearTimeout(ttftTimer);
          }
          yield { type: "token", text };
        }
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
    } catch (e) {
      if (stopped) throw stoppedError(stopped);
      // A reset after the finish chunk (only the usage chunk or [DONE] lost) still is a whole answer.
      if (!finishReason) throw new AttemptError(classifyUpstreamError(e));
    }
    // The SDK ends the iteration quietly when its signal aborts: tell why.
    if (stopped) throw stoppedError(stopped);
    if (!finishReason) throw new AttemptError({ kind: "interrupted", message: `the stream from ${backend.host} ended without a finish reason` });
    completed = true;
    yield { type: "end", finishReason, usage };
  } finally {
    clearTimeout(ttftTimer);
    clearTimeout(totalTimer);
    o.signal?.removeEventListener("abort", onCallerAbort);
    if (!completed) ac.abort();
  }
}
