/** What a rail reports: the violations found, each with its rail, rule, span and score, and the action taken. */

export type GuardStage = "input" | "retrieval" | "output";

/**
 * allow: nothing to do; redact: PII or masked words replaced, the text goes on; neutralize: passages' instructions
 * removed; remove: unsupported sentences left out; block: the message or answer is refused.
 */
export type GuardAction = "allow" | "redact" | "neutralize" | "remove" | "escalate" | "block";

export interface Violation {
  /** The layer that found it: injection, exemplar, judge, pii, sensitive-word, size, indirect-injection, support, citation, canary. */
  rail: string;
  /** The rule within the layer (e.g. "override@base64", "email", "unsupported-number"); never the matched PII itself. */
  rule: string;
  /** [start, end) in the text checked, when the finding has a place in it. */
  span: [number, number] | null;
  score: number;
}

/** Each layer's verdict and why, in the order they ran. */
export interface LayerVerdict {
  layer: string;
  verdict: "pass" | "flag" | "block" | "skipped";
  reason: string;
  ms: number;
}

export interface GuardResult {
  allowed: boolean;
  action: GuardAction;
  violations: Violation[];
  layers: LayerVerdict[];
  /** The text to use downstream (PII redacted, masked words masked, neutralised passages). */
  text: string;
}

const ORDER: GuardAction[] = ["allow", "redact", "neutralize", "remove", "escalate", "block"];
/** The stronger of two actions. */
export const stronger = (a: GuardAction, b: GuardAction): GuardAction => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

export const round3 = (x: number) => Math.round(x * 1000) / 1000;
