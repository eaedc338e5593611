/**
 * The guard-context stage (prepare, answer route, after rerank and before assemble): the retrieval rail on the
 * passages the answer will be given (api/guardrails/retrieval-rail.ts). A sentence inside a passage that gives
 * the model instructions (indirect prompt injection) is replaced by "[instruction removed]"; the passage keeps
 * its chunk id and place, so citations and the token budget see the neutralised text. What was found is kept
 * in ctx.guard.retrieval (stored with the answer) and counted in the metrics; documents are also flagged when
 * they are ingested (the document's metadata.guardrails), this stage is the query-time half.
 */
import type { Guardrails } from "../../guardrails/guardrails";
import type { StepStage } from "../stage";

export function guardContextStage(guardrails: Guardrails): StepStage {
  return {
    name: "guard-context",
    kind: "prepare",
    routes: ["answer"],
    async run(ctx) {
      if (!ctx.passages.length) return;
      const res = await guardrails.checkRetrieval(ctx.tenantId, ctx.passages);
      if (res.action === "allow") return;
      let neutralized = 0;
      ctx.passages = ctx.passages.map((p, i) => {
        const text = res.passages[i]!;
        if (text === p.text) return p;
        neutralized++;
        return { ...p, text };
      });
      ctx.guard = { ...(ctx.guard ?? { canary: "" }), retrieval: { neutralized, violations: res.violations.map((v) => ({ ...v, span: null })) } };
      await guardrails.recordBlock({ tenantId: ctx.tenantId, stage: "retrieval", violations: res.violations, target: ctx.target?.messageId }).catch(() => {});
    },
  };
}
