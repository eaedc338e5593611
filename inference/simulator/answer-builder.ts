/**
 * Builds the simulator's answer from the prompt, so end-to-end answers stay meaningful without a model:
 * sentences of the numbered passages ("[1] ...") that share content words with the question, each followed
 * by its citation. Deterministic: the same messages always give the same answer.
 */
import { contentTokens, estimateTokens, splitSentences } from "../../core/text";

export interface PromptMessage {
  role: string;
  content: string;
}

export interface Passage {
  n: number;
  text: string;
}

const PASSAGE_START = /^\s*\[(\d{1,4})\]\s*(.*)$/;
export const NO_PASSAGES_REPLY = "I'm sorry, I don't have enough information to answer that. Could you give me a few more details?";
export const NO_MATCH_REPLY = "I could not find the answer to that in the provided documents.";

/** Numbered passages in a text: a line starting with "[n]" opens one; it runs until the next "[m]" or a blank line. */
export function extractPassages(text: string): Passage[] {
  const out: Passage[] = [];
  let current: Passage | undefined;
  for (const line of text.split("\n")) {
    const m = PASSAGE_START.exec(line);
    if (m) {
      current = { n: Number(m[1]), text: m[2]!.trim() };
      out.push(current);
    } else if (!line.trim()) {
      current = undefined;
    } else if (current) {
      current.text = `${current.text} ${line.trim()}`.trim();
    }
  }
  return out.filter((p) => p.text.length > 0);
}

/** The question: the last user message without its passage block and a leading "Question:" label. */
export function questionOf(messages: PromptMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === "user");
  if (!last) return "";
  const kept: string[] = [];
  let inPassage = false;
  for (const line of last.content.split("\n")) {
    if (PASSAGE_START.test(line)) inPassage = true;
    else if (!line.trim()) inPassage = false;
    else if (!inPassage) kept.push(line);
  }
  const q = kept
    .filter((l) => !/^\s*(passages|context|sources)\s*:\s*$/i.test(l))
    .join(" ")
    .replace(/^\s*question\s*:\s*/i, "")
    .trim();
  return q || last.content.trim();
}

function cite(sentence: string, n: number): string {
  const m = /^(.*?)([.!?]+["')\]]*)$/.exec(sentence);
  return m ? `${m[1]} [${n}]${m[2]}` : `${sentence} [${n}].`;
}

/** The answer text for a conversation; at most `maxSentences` cited sentences. */
export function buildAnswer(messages: PromptMessage[], maxSentences = 3): string {
  const passages = messages.filter((m) => m.role === "user" || m.role === "system").flatMap((m) => extractPassages(m.content));
  if (passages.length === 0) return NO_PASSAGES_REPLY;
  const question = new Set(contentTokens(questionOf(messages)));
  const scored: { text: string; n: number; score: number; order: number }[] = [];
  let order = 0;
  for (const p of passages) {
    for (const s of splitSentences(p.text)) {
      const words = new Set(contentTokens(s.text));
      let score = 0;
      for (const w of words) if (question.has(w)) score++;
      if (score > 0) scored.push({ text: s.text, n: p.n, score, order: order++ });
    }
  }
  if (scored.length === 0) return NO_MATCH_REPLY;
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  const seen = new Set<string>();
  const picked: string[] = [];
  for (const s of scored) {
    if (seen.has(s.text)) continue;
    seen.add(s.text);
    picked.push(cite(s.text, s.n));
    if (picked.length >= maxSentences) break;
  }
  return picked.join(" ");
}

/** Splits text into the simulator's tokens: one word with its leading whitespace each. */
export function toTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** Exactly `n` tokens, repeating the answer's tokens when it is shorter (vLLM's ignore_eos, for load tests). */
export function fixedLengthTokens(tokens: string[], n: number): string[] {
  if (tokens.length === 0) return [];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = tokens[i % tokens.length]!;
    out.push(i > 0 && i % tokens.length === 0 && !/^\s/.test(t) ? ` ${t}` : t);
  }
  return out;
}

/** Prompt tokens of a conversation, estimated like the rest of the project (core/text estimateTokens). */
export function promptTokenCount(messages: PromptMessage[]): number {
  return messages.reduce((sum, m) => sum + estimateTokens(m.content) + 4, 0);
}
