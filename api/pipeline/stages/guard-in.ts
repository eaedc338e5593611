/**
 * The guard-in stage (prepare, every route, right after understand): the input rail on the customer's message
 * and the user turns before it (api/guardrails/input-rail.ts). Every layer's verdict and reason is kept in
 * ctx.guard.input (stored with the answer).
 *
 *   blocked    an attack, a block word, a message over the size limit: the stage produces the answer itself, a
 *              short refusal that says nothing about why (decision ASK_USER, so the customer can ask again);
 *              nothing is retrieved or generated; the block is counted and audited (rules only, no text)
 *   redacted   PII (or a mask word) in the message: the standalone question and the normalised text that later
 *              stages retrieve with, send to a model and store are the redacted ones; the original stays in
 *              ctx.content only, which the order-status stage reads to verify the customer's own order
 *   allowed    nothing changes
 * The request's canary (ctx.guard.canary) is drawn here for the system prompt and the output guard.
 */
import { randomBytes } from "node:crypto";
import type { Assessment, StreamEvent } from "../../../core/ports/language-model";
import type { Guardrails } from "../../guardrails/guardrails";
import { redactPii } from "../../guardrails/pii";
import { maskWords, findSensitiveWords } from "../../guardrails/sensitive-words";
import type { GuardConfig } from "../../guardrails/guard-config";
import type { PipelineContext, StepStage } from "../stage";

export const GUARD_PRODUCER = "guardrails";
export const INPUT_REFUSAL = "I can't help with that request. If you have a question about our products, your order or our policies, please ask it and I'll be glad to help.";

async function* refusal(text: string, assessment: Assessment): AsyncIterable<StreamEvent> {
  yield { type: "start", model: GUARD_PRODUCER };
  yield { type: "delta", text };
  yield { type: "finish", reason: "stop", assessment };
}

export const newCanary = () => `cnry-${randomBytes(6).toString("hex")}`;

/** PII redacted and mask words masked in a text the pipeline derived from the message. */
function scrub(text: string, cfg: GuardConfig): string {
  const words = findSensitiveWords(text, cfg.sensitiveWords);
  const masked = words.length ? maskWords(text, words) : text;
  return cfg.pii.enabled ? redactPii(masked, cfg.pii.kinds).text : masked;
}

export interface GuardInOptions {
  /** Called after a block was recorded fails (the answer goes on). */
  log?: (line: string) => void;
  refusalText?: string;
}

export function guardInStage(guardrails: Guardrails, o: GuardInOptions = {}): StepStage {
  return {
    name: "guard-in",
    kind: "prepare",
    routes: "all",
    async run(ctx: PipelineContext) {
      const previous = ctx.history.filter((t) => t.role === "user").map((t) => t.content);
      const res = await guardrails.checkInput(ctx.tenantId, ctx.content, previous, ctx.signal);
      ctx.guard = { ...(ctx.guard ?? {}), canary: ctx.guard?.canary ?? newCanary(), input: { action: res.action, violations: res.violations, layers: res.layers } };
      const cfg = await guardrails.config(ctx.tenantId);
      if (!res.allowed) {
        // A refused message is stored too: redacted like any other.
        const scrubbed = scrub(ctx.content, cfg);
        if (scrubbed !== ctx.content) ctx.guard.redacted = scrubbed;
        await guardrails.recordBlock({ tenantId: ctx.tenantId, stage: "input", violations: res.violations, target: ctx.target?.messageId }).catch((e) => o.log?.(`guardrails: recording a block failed: ${(e as Error).message}`));
        const rules = [...new Set(res.violations.filter((v) => v.rail !== "pii").map((v) => `${v.rail}:${v.rule}`))].join(", ");
        ctx.meta.generator = GUARD_PRODUCER;
        ctx.answer = { producer: GUARD_PRODUCER, events: refusal(o.refusalText ?? INPUT_REFUSAL, { decision: "ASK_USER", confidence: 0, reason: `blocked by the input guard: ${rules}` }) };
        return;
      }
      if (res.action === "redact") {
        ctx.guard.redacted = res.text;
        const u = ctx.understanding;
        if (u) {
          u.normalized = scrub(u.normalized, cfg);
          u.question = scrub(u.question, cfg);
          if (u.followUp) u.followUp = { ...u.followUp, previous: scrub(u.followUp.previous, cfg) };
          // The slots keep what the order route needs (order numbers, SKUs, dates); emails are personal data.
          u.slots = { ...u.slots, emails: u.slots.emails.map(() => "[EMAIL]") };
          ctx.meta.question = u.question;
          ctx.meta.slots = u.slots;
        }
      }
    },
  };
}
