/**
 * The one typed stream that flows from the inference tier to the API. Only the API turns it into SSE.
 * A stream always ends with exactly one `finish` or `error`; a failure before the first event (a request the
 * backend refuses, no backend, queue full) is thrown by the first next() instead, so the caller can answer with
 * its status. Every answer is such a stream, whatever produced
 * it: a model, the extractive generator, a cache hit, a ticket confirmation, an agent's reply.
 */
export type StreamEvent =
  | { type: "start"; model: string; backend?: string; prompt?: { templateId: string; version: number } }
  | { type: "delta"; text: string }
  | { type: "citation"; n: number; passageId: string }
  | { type: "finish"; reason: FinishReason; usage?: Usage; assessment?: Assessment }
  | { type: "error"; code: string; message: string; retryable: boolean };

export type FinishReason = "stop" | "length" | "abort";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** What an answer decides for the conversation: answered, a question back to the customer, or a human. */
export type Decision = "PASS" | "ASK_USER" | "ESCALATE";

/**
 * A producer's own view of its answer, carried on `finish`: e.g. the extractive generator knows it declined
 * (its text is a decline) and how well the passages covered the question. The pipeline's decide step reads it
 * beside the final stream; it never replaces the checks made on what was sent.
 */
export interface Assessment {
  decision: Decision;
  confidence: number;
  /** Why (e.g. "declined: no passage covers the question"). */
  reason?: string;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface GenerateRequest {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** Passages the answer may cite, numbered from 1 in the order given. */
  passages?: { id: string; text: string; title?: string }[];
}

export interface LanguageModel {
  readonly id: string;
  stream(req: GenerateRequest, signal?: AbortSignal): AsyncIterable<StreamEvent>;
  generate(req: GenerateRequest, signal?: AbortSignal): Promise<{ text: string; finishReason: string }>;
}
