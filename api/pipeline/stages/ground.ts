/**
 * The grounding gate (produce, answer route), in front of a generator that does not gate itself (a model):
 * before anything is generated, the passages must cover the question. A question they do not cover ("What is the
 * capital of France?", an instruction to ignore the rules) is declined here, plainly (ESCALATE, or ASK_USER for a
 * message of one or two words or without a content word), and the model is never asked; otherwise the stage
 * produces nothing and generate runs.
 *
 * Coverage: the IDF-weighted share of the question's content terms (stemmed; stop words and question-frame words
 * such as "long" in "how long" dropped; a compound such as "75-inch" counted as its parts, which a passage
 * writing "75-inch" or "75 inch" has alike) that occur in at
 * least one passage (its text, title or section). A term's weight is ln(1 + (N + 1) / (1 + df)) over the N
 * passages, so a term no passage has weighs most ("capital", "France" over shipping passages cover ~0). The
 * check is made per passage set, not per sentence (a model may combine sentences), on term sets cached by chunk
 * id, so it costs a few microseconds per passage instead of the extractive composer's milliseconds. The best
 * passage's retrieval score must also be above 0. The threshold is chosen with bench/grounding-gate.ts on the
 * even-indexed sample questions (see BENCHMARKS.md).
 */
import type { Assessment, StreamEvent } from "../../../core/ports/language-model";
import type { Passage } from "../../../core/ports/retrieval";
import { QUESTION_FRAME_WORDS, stem } from "../../../core/text";
import { DEFAULT_DECLINE } from "../../../inference/extractive";
import { compoundParts } from "../../../inference/extractive-sentences";
import { memoByChunk, passageTerms, termSetOf } from "../passage-terms";
import { questionOf, type StepStage } from "../stage";

export const GROUNDING_GATE = "grounding-gate";
/** Chosen on the even-indexed sample questions (bench/grounding-gate.ts). */
export const DEFAULT_MIN_GROUNDING = 0.6;

export interface GroundOptions {
  /** Least coverage of the question by the passages (0-1, default DEFAULT_MIN_GROUNDING). */
  minCoverage?: number;
  /** Questions of at most this many words get ASK_USER instead of ESCALATE when declined (default 2). */
  askUserMaxWords?: number;
  declineText?: { escalate?: string; askUser?: string };
}

/** Terms of a passage's title and section path. */
const headTerms = memoByChunk(8192, (p: Passage): ReadonlySet<string> => termSetOf([p.title, ...p.sectionPath].join(" ")).terms);

const FRAME_STEMS = new Set([...QUESTION_FRAME_WORDS].map(stem));

/** The coverage above, and the question's content terms (question-frame words such as "long" in "how long" left out). */
export function groundingCoverage(question: string, passages: readonly Passage[]): { coverage: number; terms: string[] } {
  // A compound the question writes ("75-inch") is asked as its parts, which a passage has however it writes it.
  const terms = [...termSetOf(question).terms].filter((t) => !FRAME_STEMS.has(t) && compoundParts(t).length !== 2);
  if (!terms.length || !passages.length) return { coverage: 0, terms };
  const sets = passages.map((p) => ({ body: passageTerms(p).terms, head: headTerms(p) }));
  let covered = 0;
  let total = 0;
  for (const t of terms) {
    const df = sets.filter((s) => s.body.has(t) || s.head.has(t)).length;
    const w = Math.log(1 + (passages.length + 1) / (1 + df));
    total += w;
    if (df > 0) covered += w;
  }
  return { coverage: total > 0 ? covered / total : 0, terms };
}

async function* decline(text: string, assessment: Assessment): AsyncIterable<StreamEvent> {
  yield { type: "start", model: GROUNDING_GATE };
  yield { type: "delta", text };
  yield { type: "finish", reason: "stop", assessment };
}

export function groundStage(o: GroundOptions = {}): StepStage {
  const min = o.minCoverage ?? DEFAULT_MIN_GROUNDING;
  // The same decline texts as the extractive generator's own gate.
  const text = { ...DEFAULT_DECLINE, ...o.declineText };
  return {
    name: "ground",
    kind: "produce",
    routes: ["answer"],
    run(ctx) {
      const question = questionOf(ctx);
      const { coverage, terms } = groundingCoverage(question, ctx.passages);
      const best = Math.max(0, ...ctx.passages.map((p) => (Number.isFinite(p.score) ? p.score : 0)));
      if (terms.length && best > 0 && coverage >= min) return;
      const words = question.split(/\s+/).filter(Boolean).length;
      const askUser = !terms.length || words <= (o.askUserMaxWords ?? 2);
      const reason = !ctx.passages.length
        ? "no passage was found"
        : !terms.length
          ? "the question has no content word"
          : best <= 0
            ? "no retrieval channel found the passages"
            : `the passages cover ${Math.round(coverage * 100)}% of the question (at least ${Math.round(min * 100)}% needed)`;
      ctx.meta.generator = GROUNDING_GATE;
      ctx.answer = {
        producer: GROUNDING_GATE,
        events: decline(askUser ? text.askUser : text.escalate, { decision: askUser ? "ASK_USER" : "ESCALATE", confidence: Math.round(Math.min(0.2, 0.3 * coverage) * 100) / 100, reason: `declined before generation: ${reason}` }),
      };
    },
  };
}
