/**
 * A tenant's guardrail configuration: which rails run, their thresholds, the PII kinds redacted, the sensitive
 * words with their actions, and the output rail's held-back window. Stored in kb_state ("guardrails") by
 * GuardConfigStore (guard-config-store.ts); a tenant that never changed it has DEFAULT_GUARD_CONFIG.
 * validateGuardConfig() checks a whole configuration as sent by the admin API and names the first bad field.
 */
import { errors } from "../../core/errors";
import { PII_KINDS, type PiiKind } from "./pii";

export type WordAction = "block" | "mask";

export interface SensitiveWord {
  term: string;
  action: WordAction;
}

export interface GuardConfig {
  input: {
    enabled: boolean;
    /** Pattern-rule score that blocks (sum of the weights of the rules that fired; 1 = one strong rule). */
    blockScore: number;
    /** The exemplar layer (similarity to known attacks on the local encoder). */
    exemplars: boolean;
    /** Cosine to the nearest attack exemplar that blocks alone. */
    exemplarBlock: number;
    /** Cosine that blocks together with a pattern rule of any weight. */
    exemplarAssist: number;
    /** The LLM judge, when the inference tier is configured (off by default: one more model call per message). */
    judge: boolean;
    /** Longest message the rail accepts (characters). */
    maxChars: number;
    /** Previous user turns read together with the message (attacks split across turns). */
    turns: number;
  };
  pii: { enabled: boolean; kinds: PiiKind[] };
  retrieval: { enabled: boolean; blockScore: number };
  output: {
    enabled: boolean;
    /** "remove": unsupported sentences are left out; "escalate": the answer is replaced by the escalation text. */
    unsupported: "remove" | "escalate";
    /** Least lexical support (share of content words in the cited passages). */
    minSupport: number;
    /** Encoder cosine that supports a sentence the lexical check found short. */
    minEncoderSupport: number;
    /** Characters held back at most before a sentence is checked anyway (long sentences without an end). */
    holdChars: number;
    /** Share of removed sentences above which the answer is downgraded to ESCALATE. */
    maxRemovedShare: number;
  };
  sensitiveWords: SensitiveWord[];
}

export const DEFAULT_GUARD_CONFIG: GuardConfig = {
  input: { enabled: true, blockScore: 1, exemplars: true, exemplarBlock: 0.8, exemplarAssist: 0.5, judge: false, maxChars: 4000, turns: 2 },
  pii: { enabled: true, kinds: [...PII_KINDS] },
  retrieval: { enabled: true, blockScore: 1 },
  output: { enabled: true, unsupported: "remove", minSupport: 0.5, minEncoderSupport: 0.8, holdChars: 400, maxRemovedShare: 0.5 },
  sensitiveWords: [],
};

export const MAX_SENSITIVE_WORDS = 500;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const bad = (field: string, message: string) => errors.invalid("GUARD_CONFIG_INVALID", `${field}: ${message}`, { field });

function bool(o: Obj, k: string, path: string, d: boolean): boolean {
  const v = o[k];
  if (v === undefined) return d;
  if (typeof v !== "boolean") throw bad(`${path}.${k}`, "must be true or false");
  return v;
}

function num(o: Obj, k: string, path: string, d: number, min: number, max: number, int = false): number {
  const v = o[k];
  if (v === undefined) return d;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
    throw bad(`${path}.${k}`, `must be a${int ? " whole" : ""} number from ${min} to ${max}`);
  }
  return v;
}

function section(o: Obj, k: string): Obj {
  const v = o[k];
  if (v === undefined) return {};
  if (!isObj(v)) throw bad(k, "must be an object");
  return v;
}

/** A full configuration from a (partial) admin body: fields left out keep the defaults. */
export function validateGuardConfig(body: unknown): GuardConfig {
  if (!isObj(body)) throw bad("body", "must be a JSON object");
  const d = DEFAULT_GUARD_CONFIG;
  const i = section(body, "input");
  const p = section(body, "pii");
  const r = section(body, "retrieval");
  const o = section(body, "output");
  const kinds = p.kinds === undefined ? d.pii.kinds : p.kinds;
  if (!Array.isArray(kinds) || kinds.some((k) => !PII_KINDS.includes(k as PiiKind))) throw bad("pii.kinds", `must be a list of ${PII_KINDS.join(", ")}`);
  const words = body.sensitiveWords === undefined ? [] : body.sensitiveWords;
  if (!Array.isArray(words)) throw bad("sensitiveWords", "must be a list");
  if (words.length > MAX_SENSITIVE_WORDS) throw bad("sensitiveWords", `at most ${MAX_SENSITIVE_WORDS} entries`);
  const seen = new Set<string>();
  const sensitiveWords = words.map((w, n) => {
    if (!isObj(w) || typeof w.term !== "string") throw bad(`sensitiveWords[${n}].term`, "must be a string");
    const term = w.term.normalize("NFKC").trim().replace(/\s+/g, " ");
    if (term.length < 2 || term.length > 100) throw bad(`sensitiveWords[${n}].term`, "must be 2-100 characters");
    if (!/[\p{L}\p{N}]/u.test(term)) throw bad(`sensitiveWords[${n}].term`, "must contain a letter or digit");
    if (w.action !== "block" && w.action !== "mask") throw bad(`sensitiveWords[${n}].action`, "must be 'block' or 'mask'");
    const key = term.toLowerCase();
    if (seen.has(key)) throw bad(`sensitiveWords[${n}].term`, `'${term}' is listed twice`);
    seen.add(key);
    return { term, action: w.action as WordAction };
  });
  const unsupported = o.unsupported === undefined ? d.output.unsupported : o.unsupported;
  if (unsupported !== "remove" && unsupported !== "escalate") throw bad("output.unsupported", "must be 'remove' or 'escalate'");
  const cfg: GuardConfig = {
    input: {
      enabled: bool(i, "enabled", "input", d.input.enabled),
      blockScore: num(i, "blockScore", "input", d.input.blockScore, 0.1, 10),
      exemplars: bool(i, "exemplars", "input", d.input.exemplars),
      exemplarBlock: num(i, "exemplarBlock", "input", d.input.exemplarBlock, 0, 1),
      exemplarAssist: num(i, "exemplarAssist", "input", d.input.exemplarAssist, 0, 1),
      judge: bool(i, "judge", "input", d.input.judge),
      maxChars: num(i, "maxChars", "input", d.input.maxChars, 1, 100_000, true),
      turns: num(i, "turns", "input", d.input.turns, 0, 10, true),
    },
    pii: { enabled: bool(p, "enabled", "pii", d.pii.enabled), kinds: [...new Set(kinds as PiiKind[])] },
    retrieval: { enabled: bool(r, "enabled", "retrieval", d.retrieval.enabled), blockScore: num(r, "blockScore", "retrieval", d.retrieval.blockScore, 0.1, 10) },
    output: {
      enabled: bool(o, "enabled", "output", d.output.enabled),
      unsupported,
      minSupport: num(o, "minSupport", "output", d.output.minSupport, 0, 1),
      minEncoderSupport: num(o, "minEncoderSupport", "output", d.output.minEncoderSupport, 0, 1),
      holdChars: num(o, "holdChars", "output", d.output.holdChars, 0, 10_000, true),
      maxRemovedShare: num(o, "maxRemovedShare", "output", d.output.maxRemovedShare, 0, 1),
    },
    sensitiveWords,
  };
  if (cfg.input.exemplarAssist > cfg.input.exemplarBlock) throw bad("input.exemplarAssist", "must not be above input.exemplarBlock");
  return cfg;
}
