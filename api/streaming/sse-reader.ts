/**
 * Reading the API's own SSE streams (tests, benchmarks, server-side consumers): the parser is core/text's
 * readSse; answerEvents() decodes the answer events' JSON.
 */
import { readSse } from "../../core/text/sse-reader";

export { readSse, type SseComment, type SseMessage } from "../../core/text/sse-reader";

/** The JSON events of an answer stream (comments skipped), with numeric ids. */
export async function* answerEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ id: number; event: string; data: Record<string, unknown> }> {
  for await (const m of readSse(body)) {
    if (m.comment !== undefined) continue;
    yield { id: Number(m.id), event: m.event, data: JSON.parse(m.data) as Record<string, unknown> };
  }
}
