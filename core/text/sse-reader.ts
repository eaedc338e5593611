/**
 * A small client-side parser of server-sent events (id, event, data, comments; `retry` is ignored), shared by
 * the inference client (reading vLLM/Ollama streams), the API's own consumers, the tests and the benchmarks.
 * It runs once per streamed token, so it scans with indexOf over one decoded buffer instead of regexes and
 * re-slicing.
 */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
  comment?: undefined;
}

export interface SseComment {
  comment: string;
}

/** Parses an SSE byte stream. Stops when the stream ends or the iteration is ended (which cancels the body). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage | SseComment> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let id: string | undefined;
  let event = "";
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf = buf ? buf + decoder.decode(value, { stream: true }) : decoder.decode(value, { stream: true });
      let start = 0;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n", start)) {
        const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        const line = buf.slice(start, end);
        start = nl + 1;
        if (line === "") {
          if (data.length || event) yield { id, event: event || "message", data: data.length === 1 ? data[0]! : data.join("\n") };
          event = "";
          data = [];
          continue;
        }
        if (line.charCodeAt(0) === 58 /* ":" */) {
          yield { comment: line.slice(1).trim() };
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? "" : line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
        if (field === "data") data.push(val);
        else if (field === "event") event = val;
        else if (field === "id") id = val;
      }
      buf = start < buf.length ? buf.slice(start) : "";
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
