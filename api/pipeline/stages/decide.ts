/**
 * The decide stage (settle, every route): the answer's decision (PASS | ASK_USER | ESCALATE) and confidence,
 * made once, on the final stream as it was sent (ctx.outcome, after every transform stage), whoever produced it.
 *
 *   - the stream failed: ESCALATE, confidence 0;
 *   - the producer assessed its own answer (the extractive generator knows it declined, a ticket stage that it
 *     opened a ticket): that decision and confidence, except that a grounded route's PASS with passages but no
 *     citation left in what was sent (a transform removed them) becomes ESCALATE with at most 0.2;
 *   - otherwise (a model's text), the citation rule below.
 *
 * Citation rule: PASS when the text cites at least one valid passage, does not say it doesn't know, the stream
 * finished (stop or length), and at least one of its sentences is supported by the passages it cites
 * (claim-support.ts: most of its words there, every number it states there); else ESCALATE. Confidence (0-0.95,
 * two decimals):
 *   coverage   = share of the answer's sentences carrying a valid [n] (citationCoverage)
 *   support    = mean over the cited passages of 0.5 * score / best score + 0.5 / (1 + rank by score), the rank
 *                counting the passages with a higher score (the cite stage reorders ctx.passages by citation)
 *   validShare = valid markers / (valid markers + invalid numbers)
 *   grounded   = share of the answer's sentences supported by their passages
 *   raw        = coverage * (0.4 + 0.6 * support) * validShare * grounded
 *   PASS: min(0.95, raw), and at most 0.5 when a stated number is in no cited passage; ESCALATE: min(0.2, raw)
 *   (0 without a valid citation).
 */
import type { Decision } from "../../../core/ports/language-model";
import type { Passage } from "../../../core/ports/retrieval";
import { citationCoverage } from "../citation-mapper";
import { isSupported, sentenceSupport } from "../claim-support";
import type { PipelineContext, StepStage } from "../stage";

const DONT_KNOW =
  /\b(?:i (?:do not|don't|dont) know|i (?:could not|couldn't|cannot|can't|am unable to|was unable to|am not able to) (?:find|answer|tell)|i (?:do not|don't) have (?:enough |that |the )?information|(?:is|are) not (?:covered |mentioned |included )?in the (?:provided )?(?:documents|passages|knowledge base|sources)|the (?:provided )?(?:documents|passages) do(?: not|n't) (?:say|mention|contain|cover))\b/i;

/** True when the answer declines (says it doesn't know / can't find it). */
export const saysDoesNotKnow = (text: string): boolean => DONT_KNOW.test(text);

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The confidence formula above. `cited` are passage indexes of the valid citations. */
export function citationConfidence(text: string, cited: readonly { passageIndex: number }[], passages: readonly Passage[], markers: number, invalid: number, decision: Decision): number {
  if (cited.length === 0) return 0;
  const best = Math.max(0, ...passages.map((p) => (Number.isFinite(p.score) ? p.score : 0)));
  const support =
    cited.reduce((s, c) => {
      const score = passages[c.passageIndex]?.score ?? 0;
      const rank = passages.filter((p) => Number.isFinite(p.score) && p.score > score).length;
      return s + 0.5 * (best > 0 ? Math.max(0, score) / best : 0) + 0.5 / (1 + rank);
    }, 0) / cited.length;
  const validShare = markers / (markers + invalid || 1);
  const raw = citationCoverage(text) * (0.4 + 0.6 * support) * validShare;
  return round2(Math.min(decision === "PASS" ? 0.95 : 0.2, raw));
}

export function decide(ctx: PipelineContext): NonNullable<PipelineContext["decision"]> {
  const o = ctx.outcome;
  if (!o) throw new Error("decide() needs ctx.outcome");
  if (o.finishReason === "error") return { decision: "ESCALATE", confidence: 0, reason: `the answer failed: ${o.error?.code ?? "error"}` };
  const a = o.assessment;
  if (a) {
    if (a.decision === "PASS" && ctx.passages.length > 0 && o.citations.length === 0) {
      return { decision: "ESCALATE", confidence: Math.min(0.2, a.confidence), reason: "no citation left in the answer as sent" };
    }
    return { decision: a.decision, confidence: a.confidence, ...(a.reason ? { reason: a.reason } : {}) };
  }
  const finished = o.finishReason === "stop" || o.finishReason === "length";
  const claims = sentenceSupport(o.text, ctx.passages);
  const supported = claims.filter(isSupported).length;
  const grounded = claims.length ? supported / claims.length : 0;
  const numberMissing = claims.some((c) => c.unsupportedNumbers.length > 0);
  const declines = saysDoesNotKnow(o.text);
  const pass = finished && o.citations.length > 0 && !declines && supported > 0;
  const decision: Decision = pass ? "PASS" : "ESCALATE";
  const stats = ctx.citationStats ?? { markers: o.citations.length, invalid: [] };
  let confidence = round2(citationConfidence(o.text, o.citations, ctx.passages, stats.markers, stats.invalid.length, decision) * grounded);
  if (pass && numberMissing) confidence = Math.min(confidence, 0.5);
  const reason = !finished
    ? "the answer was not finished"
    : o.citations.length === 0
      ? "the answer cites no passage"
      : declines
        ? "the answer says it does not know"
        : supported === 0
          ? "no sentence of the answer is supported by the passages it cites"
          : numberMissing
            ? "a number in the answer is in no passage it cites"
            : grounded < 1
              ? `${claims.length - supported} of ${claims.length} sentences are not supported by their passages`
              : undefined;
  return { decision, confidence, ...(reason ? { reason } : {}) };
}

export function decideStage(): StepStage {
  return {
    name: "decide",
    kind: "settle",
    routes: "all",
    run(ctx) {
      ctx.decision = decide(ctx);
    },
  };
}
