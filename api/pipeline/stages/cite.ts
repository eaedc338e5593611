/**
 * The cite stage (transform, every route): maps the [n] markers of the streamed text to the passages the answer
 * was given (citation-mapper.ts), whoever produced it, and numbers them 1..n in the order they first appear in
 * the text. Markers with no passage are dropped from the text and counted (ctx.citationStats, with the numbers
 * as the producer wrote them); each valid passage gets one `citation` event right after the delta that closes
 * its first marker. Citation events a producer sent itself are replaced by these, so the text and the citation
 * events always agree.
 *
 * Renumbering: the producer cites passage k as [k]; the first passage cited becomes [1], the next new one [2]...
 * To keep "[n] cites ctx.passages[n - 1]" (and ctx.sources[n - 1]) true for every later reader (the stream's
 * citation events, decide, persist), the stage gives ctx.passages and ctx.sources a new order when a passage is
 * first cited: the cited ones first, in citation order, then the others in their order. New arrays are assigned
 * (the producer keeps the array it was given, in the numbering it uses); a number, once given, never changes.
 */
import type { StreamEvent } from "../../../core/ports/language-model";
import { CitationMapper } from "../citation-mapper";
import type { PipelineContext, TransformStage } from "../stage";

const MARKER = /\[(\d{1,3}(?:, \d{1,3})*)\]/g;

/** Renumbers markers in order of first appearance; `order` (producer numbers, first cited first) grows as it goes. */
export class CitationNumbering {
  private readonly newOf = new Map<number, number>();
  readonly order: number[] = [];

  /** The number a producer's [k] gets (a new one for a passage not cited before). */
  numberOf(k: number): number {
    let n = this.newOf.get(k);
    if (n === undefined) {
      this.order.push(k);
      this.newOf.set(k, (n = this.order.length));
    }
    return n;
  }

  /** Text with every (mapped, valid) marker renumbered. */
  renumber(text: string): string {
    return text.replace(MARKER, (_, nums: string) => `[${nums.split(", ").map((x) => this.numberOf(Number(x))).join(", ")}]`);
  }
}

export async function* mapStreamCitations(events: AsyncIterable<StreamEvent>, ctx: PipelineContext): AsyncIterable<StreamEvent> {
  const passages = ctx.passages;
  const sources = ctx.sources;
  const mapper = new CitationMapper(passages.map((p) => p.chunkId));
  const numbering = new CitationNumbering();
  let reordered = 0;
  const reorder = () => {
    if (numbering.order.length === reordered) return;
    reordered = numbering.order.length;
    const first = numbering.order.map((k) => k - 1);
    const rest = passages.map((_, i) => i).filter((i) => !first.includes(i));
    const perm = [...first, ...rest];
    ctx.passages = perm.map((i) => passages[i]!);
    if (sources.length === passages.length) ctx.sources = perm.map((i, j) => ({ ...sources[i]!, n: j + 1 }));
  };
  const record = () => (ctx.citationStats = { markers: mapper.markerCount, invalid: mapper.invalidCitations });
  const emit = function* (chunk: { text: string; citations: { n: number; passageId: string }[] }): Generator<StreamEvent> {
    const text = numbering.renumber(chunk.text);
    reorder();
    if (text) yield { type: "delta", text };
    for (const c of chunk.citations) yield { type: "citation", n: numbering.numberOf(c.n), passageId: c.passageId };
  };
  let flushed = false;
  const flush = function* (): Generator<StreamEvent> {
    flushed = true;
    yield* emit(mapper.flush());
  };
  try {
    for await (const ev of events) {
      if (ev.type === "delta") {
        yield* emit(mapper.push(ev.text));
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
