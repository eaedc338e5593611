/**
 * OpenAI wire format for the simulator: chat completion chunks (SSE), full completions, model lists,
 * embeddings and error bodies, byte-for-byte in the shape the OpenAI API and vLLM send.
 */

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export const usageOf = (prompt: number, completion: number): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

/** Builds the SSE frames of one streamed completion. The JSON prefix is built once per request. */
export class ChunkWriter {
  private readonly head: string;
  private readonly usageField: string;

  constructor(
    id: string,
    created: number,
    model: string,
    private readonly includeUsage: boolean,
  ) {
    this.head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":[{"index":0,"delta":`;
    this.usageField = includeUsage ? `,"usage":null` : "";
  }

  role(): string {
    return `data: ${this.head}{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${this.usageField}}\n\n`;
  }

  content(tokens: string[]): string {
    let out = "";
    for (const t of tokens) out += `data: ${this.head}{"content":${JSON.stringify(t)}},"logprobs":null,"finish_reason":null}]${this.usageField}}\n\n`;
    return out;
  }

  /** The finish chunk, then (when asked for with stream_options.include_usage) the usage chunk, then [DONE]. */
  end(reason: "stop" | "length", usage: Usage): string {
    let out = `data: ${this.head}{},"logprobs":null,"finish_reason":"${reason}"}]${this.usageField}}\n\n`;
    if (this.includeUsage) {
      const usageHead = this.head.slice(0, this.head.indexOf(`"choices":`));
      out += `data: ${usageHead}"choices":[],"usage":${JSON.stringify(usage)}}\n\n`;
    }
    return `${out}data: [DONE]\n\n`;
  }
}

export function completionBody(id: string, created: number, model: string, text: string, reason: "stop" | "length", usage: Usage) {
  return {
    id,
    object: "chat.completion",
    created,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: reason }],
    usage,
  };
}

export function modelsBody(model: string, created: number) {
  return { object: "list", data: [{ id: model, object: "model", created, owned_by: "simulator", root: model, parent: null }] };
}

export function errorBody(message: string, type: string, code: number | string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

export const jsonResponse = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

export const errorResponse = (status: number, message: string, type: string, headers: Record<string, string> = {}) =>
  jsonResponse(errorBody(message, type, status), status, headers);
