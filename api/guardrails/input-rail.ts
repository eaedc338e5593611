/**
 * The input rail: a customer's message through layers, each recording its verdict and reason.
 *
 *   size            longer than the tenant's maxChars: block
 *   controls        bidi overrides or Unicode tag characters: a flag (weight 0.5 towards the rule score)
 *   rules           pattern rules (injection-rules.ts) over every view of the text (deobfuscate.ts); the score is
 *                   the sum of the weights of the distinct rules that fired; at least blockScore blocks. The
 *                   message read after the previous `turns` user turns counts too when it completes a rule that
 *                   none of the turns fires alone (an attack split across turns)
 *   exemplars       cosine to the nearest attack exemplar on the local encoder (exemplar-detector.ts): at least
 *                   exemplarBlock blocks; at least exemplarAssist blocks together with any rule
 *   judge           the LLM judge (when configured and the layers above did not already block): UNSAFE blocks
 *   sensitive-words the tenant's dictionary: a block term blocks, a mask term is masked
 *   pii             emails, phones, cards, IBANs, national ids: redacted in `text` (the original message stays
 *                   only in the pipeline context, for the customer's own order lookup)
 * The result's `text` is what the rest of the pipeline may log, cache and send to a model.
 */
import { hasHiddenControls, textViews } from "./deobfuscate";
import type { ExemplarDetector } from "./exemplar-detector";
import type { GuardConfig } from "./guard-config";
import { matchRules, type RuleHit } from "./injection-rules";
import type { Judge } from "./judge";
import { detectPii, redact } from "./pii";
import { findSensitiveWords, maskWords } from "./sensitive-words";
import { round3, stronger, type GuardAction, type GuardResult, type LayerVerdict, type Violation } from "./types";

export interface InputRailDeps {
  exemplars?: ExemplarDetector;
  judge?: Judge;
}

export interface InputCheck {
  text: string;
  /** Earlier user turns, oldest first. */
  previousTurns?: readonly string[];
  signal?: AbortSignal;
  /** Wait for the encoder to load instead of skipping the exemplar layer meanwhile (benchmarks, the check API). */
  waitForEncoder?: boolean;
}

/** Rule hits over every view of `text` (`cheap`: see textViews), the best hit per rule id. */
export function ruleHits(text: string, maxChars = 20_000, cheap = false): RuleHit[] {
  const best = new Map<string, RuleHit>();
  for (const v of textViews(text, maxChars, cheap)) {
    for (const h of matchRules(v.text, v.kind)) {
      const cur = best.get(h.rule);
      if (!cur || h.weight > cur.weight) best.set(h.rule, h);
    }
  }
  return [...best.values()];
}

export const ruleScore = (hits: readonly RuleHit[]) => round3(hits.reduce((s, h) => s + h.weight, 0));

const ruleName = (h: RuleHit) => (h.view === "plain" ? h.rule : `${h.rule}@${h.view}`);

export class InputRail {
  constructor(private readonly deps: InputRailDeps = {}) {}

  async check(input: InputCheck, cfg: GuardConfig): Promise<GuardResult> {
    const layers: LayerVerdict[] = [];
    const violations: Violation[] = [];
    let action: GuardAction = "allow";
    const text = input.text;
    const layer = (name: string, verdict: LayerVerdict["verdict"], reason: string, t0: number) =>
      layers.push({ layer: name, verdict, reason, ms: round3(performance.now() - t0) });

    let t = performance.now();
    if (text.length > cfg.input.maxChars) {
      violations.push({ rail: "size", rule: "max-chars", span: [cfg.input.maxChars, text.length], score: 1 });
      layer("size", "block", `${text.length} characters; at most ${cfg.input.maxChars}`, t);
      return { allowed: false, action: "block", violations, layers, text: "" };
    }
    layer("size", "pass", `${text.length} characters`, t);

    if (cfg.input.enabled) {
      t = performance.now();
      const hidden = hasHiddenControls(text);
      let hits = ruleHits(text);
      const turns = (input.previousTurns ?? []).slice(-cfg.input.turns).filter((s) => s.trim());
      if (turns.length) {
        const before = new Set(ruleHits(turns.join("\n")).map((h) => h.rule));
        const own = new Set(hits.map((h) => h.rule));
        for (const h of ruleHits(`${turns.join(" ")} ${text}`)) {
          if (!before.has(h.rule) && !own.has(h.rule)) hits = [...hits, { ...h, view: "turns", span: [0, text.length] }];
        }
      }
      let score = ruleScore(hits) + (hidden ? 0.5 : 0);
      for (const h of hits) violations.push({ rail: "injection", rule: ruleName(h), span: h.view === "plain" ? h.span : null, score: h.weight });
      if (hidden) violations.push({ rail: "injection", rule: "hidden-controls", span: null, score: 0.5 });
      score = round3(score);
      const rulesBlock = score >= cfg.input.blockScore;
      layer("rules", rulesBlock ? "block" : hits.length || hidden ? "flag" : "pass", hits.length || hidden ? `score ${score}: ${[...hits.map(ruleName), ...(hidden ? ["hidden-controls"] : [])].join(", ")}` : "no rule fired", t);
      if (rulesBlock) action = "block";

      t = performance.now();
      if (action !== "block" && cfg.input.exemplars && this.deps.exemplars?.available && (this.deps.exemplars.isReady || input.waitForEncoder)) {
        const views = textViews(text);
        const best = await this.deps.exemplars.score(views, input.signal);
        if (best) {
          const s = round3(best.score);
          const block = s >= cfg.input.exemplarBlock || (s >= cfg.input.exemplarAssist && score > 0);
          if (block || s >= cfg.input.exemplarAssist) violations.push({ rail: "exemplar", rule: best.view === "plain" ? "attack-similarity" : `attack-similarity@${best.view}`, span: null, score: s });
          layer("exemplars", block ? "block" : s >= cfg.input.exemplarAssist ? "flag" : "pass", `nearest exemplar ${s} ("${best.exemplar}")`, t);
          if (block) action = "block";
        }
      } else {
        const why = action === "block" ? "already blocked" : !cfg.input.exemplars ? "off for this tenant" : !this.deps.exemplars?.available ? "no sentence encoder" : "the encoder is still loading";
        layer("exemplars", "skipped", why, t);
      }

      t = performance.now();
      if (action !== "block" && cfg.input.judge && this.deps.judge) {
        const v = await this.deps.judge.classify("attack", text, undefined, input.signal);
        if (v.unsafe) {
          violations.push({ rail: "judge", rule: "llm-unsafe", span: null, score: 1 });
          action = "block";
        }
        layer("judge", v.unsafe ? "block" : "pass", v.reason, t);
      } else {
        layer("judge", "skipped", action === "block" ? "already blocked" : !this.deps.judge ? "no inference tier configured" : "off for this tenant", t);
      }
    } else {
      layer("rules", "skipped", "the input rail is off for this tenant", performance.now());
    }

    t = performance.now();
    const words = findSensitiveWords(text, cfg.sensitiveWords);
    for (const w of words) violations.push({ rail: "sensitive-word", rule: w.action, span: w.start >= 0 ? [w.start, w.end] : null, score: 1 });
    if (words.some((w) => w.action === "block")) action = "block";
    else if (words.length) action = stronger(action, "redact");
    layer("sensitive-words", words.some((w) => w.action === "block") ? "block" : words.length ? "flag" : "pass", words.length ? `${words.length} term(s): ${[...new Set(words.map((w) => w.action))].join(", ")}` : "none", t);

    t = performance.now();
    let out = words.length ? maskWords(text, words) : text;
    if (cfg.pii.enabled) {
      const pii = detectPii(out, cfg.pii.kinds);
      for (const p of pii) violations.push({ rail: "pii", rule: p.kind, span: [p.start, p.end], score: 1 });
      if (pii.length) {
        out = redact(out, pii);
        action = stronger(action, "redact");
      }
      layer("pii", pii.length ? "flag" : "pass", pii.length ? `redacted: ${[...new Set(pii.map((p) => p.kind))].join(", ")}` : "none", t);
    } else {
      layer("pii", "skipped", "off for this tenant", t);
    }
    return { allowed: action !== "block", action, violations, layers, text: action === "block" ? "" : out };
  }
}
