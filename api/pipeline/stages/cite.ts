/**
 * The cite stage (transform, every route): maps the [n] markers of the streamed text to the passages the answer
 * was given (citation-mapper.ts), whoever produced it. Markers with no passage are dropped from the text and
 * counted (ctx.citationStats); each valid passage gets one `citation` event right after the delta that closes
 * its first marker. Citation events a producer sent itself are replaced by these, so the text and the citation
 * events always agree.
 */
import type { StreamEvent } from "../../../core/ports/language-model";
import { CitationMapper } from "../citation-mapper";
import type { PipelineContext, TransformStage } from "../stage";

export async function* mapStreamCitations(events: AsyncIterable<StreamEvent>, ctx: PipelineContext): AsyncIterable<StreamEvent> {
  const mapper = new CitationMapper(ctx.passages.map((p) => p.chunkId));
  const record = () => (ctx.citationStats = { markers: mapper.markerCount, invalid: mapper.invalidCitations });
  let flushed = false;
  const flush = function* (): Generator<StreamEvent> {
    flushed = true;
    const rest = mapper.flush();
    if (rest.text) yield { type: "delta", text: rest.text };
    for (const c of rest.citations) yield { type: "citation", n: c.n, passageId: c.passageId };
  };
  try {
    for await (const ev of events) {
      if (ev.type === "delta") {
        const chunk = mapper.push(ev.text);
        if (chunk.text) yield { type: "delta", text: chunk.text };
        for (const c of chunk.citations) yield { type: "citation", n: c.n, passageId: c.passageId };
      } else if (ev.type === "citation") {
        continue;
      } else if (ev.type === "finish" || ev.type === "error") {
        yield* flush();
        record();
        yield ev;
        return;
      } else {
        yield ev;
      }
    }
  } catch (e) {
    // The producer failed mid-answer: what was held back was sent as text before the failure.
    if (!flushed) yield* flush();
    throw e;
  } finally {
    record();
  }
}

export function citeStage(): TransformStage {
  return { name: "cite", kind: "transform", routes: "all", wrap: mapStreamCitations };
}
