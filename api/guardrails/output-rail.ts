/**
 * The output rail's check of one answer sentence, before it is sent:
 *
 *   canary          the request's canary (a random token in the system prompt) in the sentence: the prompt is
 *                   leaking; the answer is blocked
 *   citation        a marker [n] with no passage n: the marker is removed (the cite stage drops these already; a
 *                   producer without it is checked here too)
 *   support         (grounded answers only) the sentence against the passages it cites (its own markers, else
 *                   those cited before it, else every passage given), lexically (claim-support.ts: share of its
 *                   content words, every number it states), plus three checks the word share misses:
 *                     - names and codes (capitalised words inside the sentence, tokens mixing letters and
 *                       digits such as VM-100251 or X200) that no cited passage has;
 *                     - negation: the passage sentence closest to it says "not / no / never / without" and the
 *                       answer sentence does not, or the other way round;
 *                     - a sentence short of words (not of numbers, names or negation) is supported when its
 *                       encoder cosine to a passage sentence reaches minEncoderSupport;
 *                   an LLM judge, when configured, has the last word on a sentence the lexical check rejects.
 *                   Unsupported: the sentence is removed (or the answer escalated, per the tenant's setting)
 *   pii, words      PII and the tenant's sensitive words masked in what is sent (a block word blocks)
 */
import type { Embedder } from "../../core/ports/embedder";
import type { Passage } from "../../core/ports/retrieval";
import { splitSentences } from "../../core/text";
import { sentenceSupport } from "../pipeline/claim-support";
import { cosine } from "../pipeline/mmr";
import type { GuardConfig } from "./guard-config";
import type { Judge } from "./judge";
import { detectPii, redact } from "./pii";
import { findSensitiveWords, maskWords } from "./sensitive-words";
import { round3, type Violation } from "./types";

export interface SentenceCheck {
  /** The sentence as streamed (markers included). */
  text: string;
  passages: readonly Passage[];
  /** Passage indexes the answer cited before this sentence. */
  citedBefore: readonly number[];
  /** Check support (grounded answers from a producer that does not quote passages itself). */
  grounded: boolean;
  canary?: string;
  signal?: AbortSignal;
}

export interface SentenceVerdict {
  verdict: "pass" | "remove" | "block";
  /** The text to send (markers without a passage removed, PII and mask words masked). */
  text: string;
  violations: Violation[];
  /** Passage indexes the sentence cites. */
  cites: number[];
}

const MARKER = /\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]/g;
const NEGATION = /\b(?:not|no|never|none|cannot|can't|won't|isn't|aren't|doesn't|don't|didn't|wasn't|weren't|shouldn't|couldn't|without|neither|nor|non-?refundable|excluded|excludes|void)\b|n't\b/i;
/** Names and codes: a capitalised word not at the start of the sentence, a word with a capital inside, a token mixing letters and digits. */
const NAMEISH = /(?<=\s)\p{Lu}[\p{L}\d-]{2,}|\b\p{L}+\p{Lu}[\p{L}\d]*\b|\b(?=[\p{L}\d-]*\d)(?=[\p{L}\d-]*\p{L})[\p{L}\d]+(?:-[\p{L}\d]+)*\b/gu;
const GENERIC_CAPS = new Set(["I", "I'm", "I'll", "I've", "We", "You", "The", "Please", "Yes", "No", "If", "For", "And", "But", "Or", "This", "That", "It", "Our", "Your"]);

const lower = (s: string) => s.toLowerCase();

export interface OutputRailDeps {
  encoder?: () => Embedder | undefined;
  judge?: Judge;
}

export class OutputRail {
  constructor(private readonly deps: OutputRailDeps = {}) {}

  async checkSentence(c: SentenceCheck, cfg: GuardConfig): Promise<SentenceVerdict> {
    const violations: Violation[] = [];
    if (c.canary && c.text.includes(c.canary)) {
      violations.push({ rail: "canary", rule: "system-prompt-leak", span: null, score: 1 });
      return { verdict: "block", text: "", violations, cites: [] };
    }
    let text = c.text.replace(MARKER, (m, nums: string) => {
      const ok = nums.split(",").map((x) => Number(x.trim())).filter((n) => n >= 1 && n <= c.passages.length);
      if (ok.length === nums.split(",").length) return m;
      violations.push({ rail: "citation", rule: "no-such-passage", span: null, score: 1 });
      return ok.length ? `[${ok.join(", ")}]` : "";
    });
    const cites = [...new Set([...text.matchAll(MARKER)].flatMap((m) => m[1]!.split(",").map((x) => Number(x.trim()) - 1)))];

    if (c.grounded && cfg.output.enabled && c.passages.length) {
      const problem = await this.unsupported(text, cites, c, cfg);
      if (problem) {
        violations.push({ rail: "support", rule: problem.rule, span: null, score: problem.score });
        return { verdict: "remove", text: "", violations, cites: [] };
      }
    }
    const words = findSensitiveWords(text, cfg.sensitiveWords);
    if (words.some((w) => w.action === "block")) {
      violations.push({ rail: "sensitive-word", rule: "block", span: null, score: 1 });
      return { verdict: "block", text: "", violations, cites: [] };
    }
    if (words.length) {
      violations.push(...words.map((w) => ({ rail: "sensitive-word", rule: "mask", span: [w.start, w.end] as [number, number], score: 1 })));
      text = maskWords(text, words);
    }
    if (cfg.pii.enabled) {
      const pii = detectPii(text, cfg.pii.kinds);
      if (pii.length) {
        violations.push(...pii.map((p) => ({ rail: "pii", rule: p.kind, span: [p.start, p.end] as [number, number], score: 1 })));
        text = redact(text, pii);
      }
    }
    return { verdict: "pass", text, violations, cites };
  }

  /** Why the sentence is not supported by its passages, or undefined when it is. */
  private async unsupported(text: string, cites: number[], c: SentenceCheck, cfg: GuardConfig): Promise<{ rule: string; score: number } | undefined> {
    const context = cites.length ? cites : c.citedBefore.length ? [...c.citedBefore] : c.passages.map((_, i) => i);
    const [s] = sentenceSupport(text, c.passages, context);
    if (!s) return undefined; // no content word and no number: nothing to support
    const used = cites.length ? cites : context;
    const bodies = used.map((i) => c.passages[i]!).filter(Boolean);
    const haystack = lower(bodies.map((p) => `${p.title} ${p.text}`).join("\n"));
    if (s.unsupportedNumbers.length) return { rule: "unsupported-number", score: 1 };
    const clean = text.replace(MARKER, " ");
    const names = [...clean.matchAll(NAMEISH)].map((m) => m[0]).filter((n) => !GENERIC_CAPS.has(n));
    if (names.some((n) => !haystack.includes(lower(n)))) return { rule: "unsupported-name", score: 1 };
    const closest = closestSentence(clean, bodies);
    if (closest && NEGATION.test(clean) !== NEGATION.test(closest.text) && closest.overlap >= 0.5) return { rule: "negation-mismatch", score: 1 };
    if (s.support >= cfg.output.minSupport) return undefined;
    const enc = this.deps.encoder?.();
    if (enc && closest) {
      const [a, b] = await enc.embed([clean, closest.text], c.signal);
      const cos = round3(cosine(a!, b!));
      if (cos >= cfg.output.minEncoderSupport) return undefined;
    }
    if (this.deps.judge && cfg.input.judge) {
      const v = await this.deps.judge.classify("unsupported", clean, bodies.map((p) => p.text).join("\n\n"), c.signal);
      if (v.unsafe === false) return undefined;
    }
    return { rule: "low-support", score: round3(1 - s.support) };
  }
}

/** The passage sentence sharing most of the answer sentence's words (share of the answer sentence's words). */
function closestSentence(sentence: string, passages: readonly Passage[]): { text: string; overlap: number } | undefined {
  const words = new Set(lower(sentence).match(/[\p{L}\d]{3,}/gu) ?? []);
  if (!words.size) return undefined;
  let best: { text: string; overlap: number } | undefined;
  for (const p of passages) {
    for (const ps of splitSentences(p.text)) {
      const pw = new Set(lower(ps.text).match(/[\p{L}\d]{3,}/gu) ?? []);
      let n = 0;
      for (const w of words) if (pw.has(w)) n++;
      const overlap = n / words.size;
      if (!best || overlap > best.overlap) best = { text: ps.text, overlap };
    }
  }
  return best;
}
