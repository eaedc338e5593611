/**
 * The retrieval rail: instructions aimed at the model inside documents (indirect prompt injection). A passage
 * is read sentence by sentence (lines too, for tables and code); a sentence is an instruction when
 *
 *   - an input-rail rule fires in it (override, prompt extraction, persona, forged delimiters, ...; all views), or
 *   - it addresses the model's output: an instruction verb ("add", "include", "translate", "encode", "reverse",
 *     "replace", "respond"...) with "your response / answer / reply / output / code" (a document speaks to its
 *     reader, not to the answer someone will write about it), or
 *   - it addresses an AI: "attention AI", "note to the assistant", "if you are a language model", "AI
 *     assistants reading this must".
 * The sum of the weights in a passage at least blockScore flags it. Flagged at ingestion (the document's
 * metadata.guardrails lists the flagged chunks, visible in the documents API) and neutralised at query time:
 * the instruction sentences are replaced by "[instruction removed]" before the passage reaches the prompt,
 * which also presents every passage as quoted data. Scans are cached by chunk id.
 */
import { splitSentences } from "../../core/text";
import { ruleHits } from "./input-rail";
import { round3 } from "./types";

export interface PassageFinding {
  start: number;
  end: number;
  rule: string;
  score: number;
}

export interface PassageScan {
  flagged: boolean;
  score: number;
  findings: PassageFinding[];
}

const OUTPUT_VERBS =
  "add|adding|include|including|integrate|insert|append|incorporate|mention|embed|weave|merge|put|place|use|using|write|translate|encode|encrypt|reverse|replace|format|rewrite|modify|present|express|deliver|render|end|start|begin|conclude|finish|make|ensure|apply|convert|structure|compose|respond|answer|reply|provide|give|introduce|substitute|remove|group|rearrange|misspell|capitali[sz]e|spell|shift|upgrade|enhance|extend|develop|revise|update|alter|change|transform|swap|inject|promote|advertise|attach|link|direct|redirect|output|print|say|state|highlight|emphasi[sz]e|feature|showcase|reference|share|reveal|scramble|jumble|anagram|combine|augment|suggest|tease|hint|offer|invite|utili[sz]e|leverage|employ|meld|blend|fuse|infuse|interweave|harmoni[sz]e|absorb|engage|enlist|adopt|deploy|consider|enrich|fortify|optimi[sz]e|streamline|assimilate|execute|run|import|paste|copy|type|sign|close|open|mix|pepper|sprinkle|enclose|wrap|lace|infuse|frame|phrase|word|tell|inform|warn|urge|encourage|remind|ask|request|recommend|advise|direct|point";
/** The answer's own text (code nouns only with a handed-over snippet: "your code" is how answers on code speak to their reader). */
const OUTPUT_NOUNS = "response|responses|answer|answers|reply|replies|output|elucidation|message|summary|translation|completion";

/** "... your response / reply / code ...": an instruction verb in the sentence and the answer's own output as its object. */
const ADDRESSED_OUTPUT = new RegExp(
  `\\b(?:${OUTPUT_VERBS})\\b[^\\n]{0,160}?\\byour\\s+(?:own\\s+|next\\s+|final\\s+|entire\\s+|whole\\s+|generated\\s+)?(?:${OUTPUT_NOUNS})(?:'s)?\\b|^(?:in|within|throughout|for|across)\\s+(?:each\\s+of\\s+)?your\\s+(?:${OUTPUT_NOUNS})\\b|\\byour\\s+(?:${OUTPUT_NOUNS})(?:'s)?\\s+(?:must|should|shall|has to|needs to|will|could|would)\\s+(?:\\w+\\s+){0,3}?(?:with|by|from|include|contain|mention|be\\s+(?:written|encoded|translated|reversed|in))\\b`,
);
/** Polite e-mail phrases with "your reply / message" that address the reader, not a model. */
const READER_PHRASE = /\b(?:thank(?:s| you)(?: very much| so much)? for|look(?:ing)? forward to|we (?:have )?received|awaiting|await|regarding|re:|in reply to|in response to|about)\s+your\s+(?:response|reply|answer|message|email)\b/;
/** A code snippet handed to "your code / solution / implementation". */
const INJECTED_CODE = /\b(?:following|subsequent|below|above|this|these|next)\s+code\s+(?:snippet|block|section|excerpt|segment|fragment|piece|lines?|portion)\b[^\n]{0,160}?\byour\s+(?:\w+\s+)?(?:code|codebase|solution|implementation|algorithm|program|script|response|answer|elucidation|logic|project|function)\b|\byour\s+(?:\w+\s+)?(?:code|codebase|solution|implementation|algorithm|program|elucidation)\b[^\n]{0,160}?\b(?:following|subsequent|below)\s+code\s+(?:snippet|block|section|excerpt|segment|fragment|piece)\b/;
const ADDRESSED_AI =
  /\b(?:attention|note|message|instructions?|reminder|notice|important|hey|hello|hi|dear)\s*(?:to|for)?\s*(?:the\s+|all\s+|any\s+)?(?:ai|a\.i\.|assistant|chatbot|bot|language model|llm|gpt|chatgpt|copilot|agent|model)(?:\s+(?:assistant|model|bot|agent|system|reader))?s?\b\s*[:,!-]|\bif you are (?:an?|the) (?:ai|assistant|chatbot|language model|llm|bot|model)\b|\b(?:ai|assistant|language model|llm|chatbot)s?\s+(?:reading|processing|summari[sz]ing|answering from) this\b/;

function scanSegment(text: string, offset: number, out: PassageFinding[]): void {
  const plain = text.toLowerCase().replace(/\s+/g, " ");
  for (const h of ruleHits(text, 4000, true)) out.push({ start: offset, end: offset + text.length, rule: h.view === "plain" ? h.rule : `${h.rule}@${h.view}`, score: h.weight });
  if (ADDRESSED_OUTPUT.test(plain) && !READER_PHRASE.test(plain)) out.push({ start: offset, end: offset + text.length, rule: "addresses-output", score: 1 });
  if (INJECTED_CODE.test(plain)) out.push({ start: offset, end: offset + text.length, rule: "injected-code", score: 1 });
  if (ADDRESSED_AI.test(plain)) out.push({ start: offset, end: offset + text.length, rule: "addresses-ai", score: 1 });
}

/** Sentences, with lines as further boundaries (tables, code, e-mail headers). */
function segments(text: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let at = 0;
  for (const line of text.split("\n")) {
    if (line.trim()) {
      for (const s of splitSentences(line)) out.push({ text: line.slice(s.start, s.end), start: at + s.start });
    }
    at += line.length + 1;
  }
  return out;
}

export function scanPassage(text: string, blockScore = 1): PassageScan {
  const findings: PassageFinding[] = [];
  for (const seg of segments(text.length > 50_000 ? text.slice(0, 50_000) : text)) scanSegment(seg.text, seg.start, findings);
  // Each sentence counts once per rule; the passage's score is the sum over sentences of their strongest rule.
  const bySpan = new Map<number, number>();
  for (const f of findings) bySpan.set(f.start, Math.max(bySpan.get(f.start) ?? 0, f.score));
  const score = round3([...bySpan.values()].reduce((s, x) => s + x, 0));
  return { flagged: score >= blockScore, score, findings };
}

export const REMOVED = "[instruction removed]";

/** The passage with each flagged sentence replaced by REMOVED (unchanged when nothing was flagged). */
export function neutralize(text: string, scan: PassageScan): string {
  if (!scan.flagged) return text;
  const spans = [...new Map(scan.findings.map((f) => [f.start, f])).values()].sort((a, b) => b.start - a.start);
  let out = text;
  for (const f of spans) out = out.slice(0, f.start) + REMOVED + out.slice(f.end);
  return out;
}

/** Scans cached by chunk id (a chunk's text never changes under its id: a new version has new ids). */
export class PassageScanCache {
  private readonly map = new Map<string, PassageScan>();
  constructor(private readonly max = 20_000) {}

  scan(chunkId: string, text: string, blockScore = 1): PassageScan {
    const key = `${chunkId}\u0000${blockScore}`;
    let s = this.map.get(key);
    if (!s) {
      s = scanPassage(text, blockScore);
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
      this.map.set(key, s);
    }
    return s;
  }
}

/** What ingestion records on a document: the chunks flagged, with the rules that fired (no text). */
export interface IngestFlags {
  guardrails: { checked: number; flaggedChunks: { ordinal: number; rules: string[]; score: number }[] };
}

export function flagChunks(chunks: readonly { ordinal: number; text: string }[], blockScore = 1): IngestFlags {
  const flagged = chunks.flatMap((c) => {
    const s = scanPassage(c.text, blockScore);
    return s.flagged ? [{ ordinal: c.ordinal, rules: [...new Set(s.findings.map((f) => f.rule))], score: s.score }] : [];
  });
  return { guardrails: { checked: chunks.length, flaggedChunks: flagged } };
}
