/**
 * The guard-out stage (transform, every route, after cite): the output rail on the stream, holding back a small
 * window so that nothing unchecked reaches the customer.
 *
 * Window: deltas are buffered until a sentence is complete (the next one has begun, or the stream ended), or
 * until `holdChars` characters are held (a long run without a sentence end is checked as it is); the complete
 * sentence is checked (api/guardrails/output-rail.ts) and only then sent, with the citation events of the
 * markers it contains. So at most about one sentence is held back; the customer's first delta waits for the
 * first sentence and its check (the TTFT this adds is measured by bench/guardrails-output.ts).
 *
 * Verdicts: a supported sentence goes out (PII and mask words masked, markers without a passage dropped); an
 * unsupported one is removed (tenant setting "escalate": the answer is replaced), and when more than
 * maxRemovedShare of the sentences were removed, or none was left, the answer is downgraded: the escalation
 * text is sent in place of what is missing and the finish event carries ESCALATE. The canary or a block word
 * stops the answer: nothing of that sentence is sent, the escalation text follows, ESCALATE. Support is
 * checked for the answer route's producers named in groundedProducers (a model); a quoting producer (the
 * extractive generator), a tool answer or a fixed text (gate, refusal) is still masked and canary-checked.
 *
 * Exactly what passes here is what the reducer sees, so what is stored is what was sent.
 */
import type { Assessment, StreamEvent } from "../../../core/ports/language-model";
import { splitSentences } from "../../../core/text";
import { DEFAULT_DECLINE } from "../../../inference/extractive";
import type { Guardrails } from "../../guardrails/guardrails";
import type { Violation } from "../../guardrails/types";
import type { PipelineContext, TransformStage } from "../stage";

export interface GuardOutOptions {
  /**
   * Producers whose free text is checked for support (a model's generator id). Others write fixed or quoted text:
   * the extractive generator quotes passages, the grounding gate, the input guard and tools answer with set texts.
   */
  groundedProducers?: readonly string[];
  escalateText?: string;
}

export function guardOutStage(guardrails: Guardrails, o: GuardOutOptions = {}): TransformStage {
  const checked = new Set(o.groundedProducers ?? []);
  const escalateText = o.escalateText ?? DEFAULT_DECLINE.escalate;

  async function* wrap(events: AsyncIterable<StreamEvent>, ctx: PipelineContext): AsyncIterable<StreamEvent> {
    const cfg = await guardrails.config(ctx.tenantId);
    const producer = ctx.answer?.producer ?? "";
    // ctx.meta.generator names who answers (read at each sentence: a fallback takes over at the first event).
    const grounded = () => ctx.route === "answer" && checked.has(ctx.meta.generator ?? producer) && ctx.passages.length > 0;
    const state = { checked: 0, removed: 0, blocked: false, downgraded: false, violations: [] as Violation[] };
    ctx.guard = { ...(ctx.guard ?? { canary: "" }), output: state };
    let held = "";
    let sentAny = false;
    let lastChar = "";
    const cited: number[] = [];
    const pending = new Map<number, StreamEvent>();
    let stopped = false;

    /** Checks one piece (a sentence with its trailing space) and yields what may be sent. */
    async function* release(piece: string): AsyncIterable<StreamEvent> {
      if (!piece.trim()) {
        if (sentAny && piece) (yield { type: "delta", text: piece }), (lastChar = piece.slice(-1));
        return;
      }
      state.checked++;
      const v = await guardrails.output.checkSentence({ text: piece, passages: ctx.passages, citedBefore: cited, grounded: grounded(), canary: ctx.guard?.canary || undefined, signal: ctx.signal }, cfg);
      state.violations.push(...v.violations.map((x) => ({ ...x, span: null })));
      if (v.verdict === "block") {
        state.blocked = true;
        stopped = true;
        return;
      }
      if (v.verdict === "remove") {
        state.removed++;
        if (cfg.output.unsupported === "escalate") stopped = true;
        return;
      }
      yield { type: "delta", text: v.text };
      sentAny = true;
      lastChar = v.text.slice(-1);
      for (const i of v.cites) {
        if (!cited.includes(i)) cited.push(i);
        const ev = pending.get(i + 1);
        if (ev) (pending.delete(i + 1), yield ev);
      }
    }

    /** Complete sentences of the held text (all but the last one, or all of it past holdChars). */
    async function* drain(final: boolean): AsyncIterable<StreamEvent> {
      while (held && !stopped) {
        const spans = splitSentences(held);
        if (!spans.length) {
          if (final) held = "";
          return;
        }
        let cut: number;
        if (spans.length >= 2) cut = spans[1]!.start;
        else if (final) cut = held.length;
        else if (cfg.output.holdChars > 0 && held.length >= cfg.output.holdChars) {
          const sp = held.lastIndexOf(" ", cfg.output.holdChars);
          cut = sp > 0 ? sp + 1 : held.length;
        } else return;
        const piece = held.slice(0, cut);
        held = held.slice(cut);
        yield* release(piece);
      }
    }

    async function* close(terminal: StreamEvent): AsyncIterable<StreamEvent> {
      yield* drain(true);
      const total = state.checked;
      const tooMany = total > 0 && state.removed / total > cfg.output.maxRemovedShare;
      const downgrade = state.blocked || (state.removed > 0 && (tooMany || !sentAny)) || (stopped && state.removed > 0);
      if (downgrade) {
        state.downgraded = true;
        yield { type: "delta", text: `${sentAny && !/\s/.test(lastChar) ? " " : ""}${escalateText}` };
      }
      if (state.blocked || state.removed) {
        await guardrails.recordBlock({ tenantId: ctx.tenantId, stage: "output", violations: state.violations.filter((v) => v.rail !== "pii"), target: ctx.target?.messageId }).catch(() => {});
      }
      if (terminal.type === "finish" && downgrade) {
        const assessment: Assessment = { decision: "ESCALATE", confidence: 0, reason: `the output guard ${state.blocked ? "stopped the answer" : `removed ${state.removed} of ${total} sentences`}: ${[...new Set(state.violations.filter((v) => v.rail !== "pii").map((v) => v.rule))].join(", ")}` };
        yield { ...terminal, assessment };
      } else yield terminal;
    }

    if (!cfg.output.enabled && !cfg.pii.enabled && !cfg.sensitiveWords.length && !ctx.guard?.canary) {
      yield* events;
      return;
    }
    for await (const ev of events) {
      if (ev.type === "delta") {
        if (stopped) continue;
        held += ev.text;
        yield* drain(false);
      } else if (ev.type === "citation") {
        // Sent with the sentence that carries its marker (dropped if that sentence is removed).
        pending.set(ev.n, ev);
      } else if (ev.type === "finish" || ev.type === "error") {
        yield* close(ev);
        return;
      } else {
        yield ev;
      }
    }
  }

  return { name: "guard-out", kind: "transform", routes: "all", wrap };
}
