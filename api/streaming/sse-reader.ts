/**
 * A small SSE client-side parser (the subset the API emits: id, event, data, retry, comments), for the tests,
 * the benchmarks and server-side consumers. Yields each dispatched event, and comments as { comment }.
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
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.search(/\r?\n/)) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + (buf[nl] === "\r" ? 2 : 1));
        if (line === "") {
          if (data.length || event) yield { id, event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) {
          yield { comment: line.slice(1).trim() };
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") id = val;
        else if (field === "event") event = val;
        else if (field === "data") data.push(val);
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** The JSON events of an answer stream (comments skipped), with numeric ids. */
export async function* answerEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ id: number; event: string; data: Record<string, unknown> }> {
  for await (const m of readSse(body)) {
    if (m.comment !== undefined) continue;
    yield { id: Number(m.id), event: m.event, data: JSON.parse(m.data) as Record<string, unknown> };
  }
}
