/**
 * The one typed stream that flows from the inference tier to the API. Only the API turns it into SSE.
 * A stream always ends with exactly one `finish` or `error`.
 */
export type StreamEvent =
  | { type: "start"; model: string; backend?: string }
  | { type: "delta"; text: string }
  | { type: "citation"; n: number; passageId: string }
  | { type: "finish"; reason: "stop" | "length" | "abort"; usage?: { promptTokens: number; completionTokens: number } }
  | { type: "error"; code: string; message: string; retryable: boolean };

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
