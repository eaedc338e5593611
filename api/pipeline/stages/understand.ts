/**
 * The understand stage: normalises the message, rewrites a follow-up into a standalone question using the
 * conversation's previous user question, and extracts slots (order numbers, SKUs, emails, ISO dates).
 *
 * Follow-ups (only when there is a previous user question):
 *   - ellipsis: "what about X?", "how about X?", "and X?", "and for X?" (X a short noun phrase, not a clause such
 *     as "and when will it arrive?"), "same for X?", or a bare "X?" of at most two words. X replaces the previous
 *     question's topic: the noun phrase (run of content words, stopping at -ed/-ing forms) around the word most related
 *     to X (by the injected `related` function, e.g. embedding similarity, when it reaches `minRelatedness`),
 *     else the trailing run of content words (questions usually end with their object).
 *     "How long do I have to return a laptop?" + "what about phones?" -> "How long do I have to return phones?"
 *   - reference: a short message (at most `maxReferenceTerms` content words) with a pronoun (it, that, this,
 *     they, them, those, these): the previous question's content words that the message lacks are appended.
 *     "Is it covered by the warranty?" after "My laptop screen cracked" -> "Is it covered by the warranty? laptop screen cracked"
 */
import { collapseWhitespace, foldForMatch, normalizeText, QUESTION_FRAME_WORDS, STOP_WORDS } from "../../../core/text";
import type { HistoryTurn, Slots, StepStage, Understanding } from "../stage";

export type { HistoryTurn, Slots, Understanding } from "../stage";

export interface UnderstandOptions {
  /** Relatedness (-1..1) of `word` to each candidate, e.g. cosine of their embeddings. */
  related?: (word: string, candidates: string[]) => Promise<number[]>;
  /** Least relatedness for `related` to choose the replaced word (default 0.3). */
  minRelatedness?: number;
  /** A message with a pronoun and at most this many content words is a reference follow-up (default 3). */
  maxReferenceTerms?: number;
}

const ORDER = /\b[A-Z]{2,4}-\d{5,10}\b|\b[A-Z]{2,4}-\d{4}-\d{3,8}\b/gi;
const SKU = /\b[A-Z]{2,4}-[A-Z]{2,4}-\d{3,6}\b|\bSKU-?\d{3,8}\b/gi;
const EMAIL = /\b[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}\b/gi;
const ISO_DATE = /\b\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b/g;
const WORD = /[\p{L}\p{N}]+(?:[-_.'’/][\p{L}\p{N}]+)*/gu;
const PRONOUNS = new Set(["it", "that", "this", "they", "them", "those", "these"]);
/** Question words that frame a question rather than name its topic. */
const FRAME_WORDS = QUESTION_FRAME_WORDS;
const QUESTION_START = /^(?:when|what|how|where|why|who|which|can|could|do|does|did|is|are|was|will|would|should|may|if)\b/i;
/** Patterns of an elliptical follow-up; `short`: the captured phrase must be a short noun phrase (at most 3 words, not a clause). */
const ELLIPSIS: { re: RegExp; short: boolean }[] = [
  { re: /^(?:and\s+|but\s+|ok(?:ay)?,?\s+)?(?:what|how)\s+about\s+(?:for\s+)?(.+)$/i, short: false },
  { re: /^(?:and|also|or)\s+(?:for\s+|with\s+)?(.+)$/i, short: true },
  { re: /^(?:the\s+)?same\s+(?:for|with)\s+(.+)$/i, short: false },
];
const ARTICLE = /^(?:the|a|an|my|our|your)\s+/i;

const unique = (xs: string[]) => [...new Set(xs)];

export function extractSlots(text: string): Slots {
  const skus = unique((text.match(SKU) ?? []).map((s) => s.toUpperCase()));
  return {
    orderNumbers: unique((text.match(ORDER) ?? []).map((s) => s.toUpperCase())).filter((o) => !skus.includes(o)),
    skus,
    emails: unique((text.match(EMAIL) ?? []).map((s) => s.toLowerCase())),
    dates: unique(text.match(ISO_DATE) ?? []),
  };
}

interface Word {
  text: string;
  start: number;
  end: number;
  content: boolean;
}

function words(text: string): Word[] {
  return [...text.matchAll(WORD)].map((m) => {
    const folded = foldForMatch(m[0]).replace(/’/g, "'");
    return { text: m[0], start: m.index, end: m.index + m[0].length, content: !STOP_WORDS.has(folded) && !FRAME_WORDS.has(folded) };
  });
}

const stripEnd = (s: string) => s.replace(/[\s?.!]+$/, "");

/** Likely a verb form (covered, shipping): ends a noun phrase. */
const VERBISH = /^[a-z]{3,}(?:ed|ing)$/i;

/**
 * The run of adjacent content words around words[i] that reads as one noun phrase (stopping at likely verb
 * forms); an article before it is included, so it is replaced too.
 */
function runAround(ws: Word[], i: number): { start: number; end: number } {
  let a = i;
  let b = i;
  const joins = (w: Word) => w.content && !VERBISH.test(w.text);
  while (a > 0 && joins(ws[a - 1]!)) a--;
  while (b < ws.length - 1 && joins(ws[b + 1]!)) b++;
  let start = ws[a]!.start;
  if (a > 0 && /^(?:the|a|an|my|our|your)$/i.test(ws[a - 1]!.text)) start = ws[a - 1]!.start;
  return { start, end: ws[b]!.end };
}

async function substituteTopic(previous: string, replacement: string, o: UnderstandOptions): Promise<string> {
  const prev = stripEnd(previous);
  const ws = words(prev);
  const candidates = ws.map((w, i) => ({ w, i })).filter((c) => c.w.content);
  if (!candidates.length) return `${prev} ${replacement}`;
  let chosen = candidates[candidates.length - 1]!.i;
  if (o.related) {
    const head = words(replacement).filter((w) => w.content).pop()?.text ?? replacement;
    const scores = await o.related(head.toLowerCase(), candidates.map((c) => c.w.text.toLowerCase()));
    let best = -Infinity;
    scores.forEach((s, k) => {
      if (s > best) {
        best = s;
        if (s >= (o.minRelatedness ?? 0.3)) chosen = candidates[k]!.i;
      }
    });
  }
  const span = runAround(ws, chosen);
  const end = /[?.!]$/.test(previous.trim()) ? previous.trim().slice(-1) : "?";
  return `${prev.slice(0, span.start)}${replacement}${prev.slice(span.end)}${end}`.replace(/\s+/g, " ").trim();
}

/** The standalone form of `message` given the previous user question (unchanged when it is not a follow-up). */
export async function rewriteFollowUp(message: string, previous: string | undefined, o: UnderstandOptions = {}): Promise<Pick<Understanding, "question" | "rewritten" | "followUp">> {
  const same = { question: message, rewritten: false };
  if (!previous?.trim()) return same;
  const bare = stripEnd(message);
  const ws = words(bare);
  let topic: string | undefined;
  for (const { re, short } of ELLIPSIS) {
    const m = re.exec(bare);
    if (short && m?.[1] && (QUESTION_START.test(m[1]) || words(m[1]).length > 3)) continue;
    if (m?.[1] && words(m[1]).some((w) => w.content)) {
      topic = m[1].replace(ARTICLE, "").trim();
      break;
    }
  }
  if (!topic && message.trim().endsWith("?") && ws.length > 0 && ws.length <= 2 && ws.some((w) => w.content)) topic = bare.replace(ARTICLE, "");
  if (topic) {
    return { question: await substituteTopic(previous, topic, o), rewritten: true, followUp: { kind: "ellipsis", previous } };
  }
  const content = ws.filter((w) => w.content);
  const hasPronoun = ws.some((w) => PRONOUNS.has(w.text.toLowerCase()));
  if (hasPronoun && content.length <= (o.maxReferenceTerms ?? 3)) {
    const own = new Set(content.map((w) => foldForMatch(w.text)));
    const carried = unique(words(previous).filter((w) => w.content && !own.has(foldForMatch(w.text))).map((w) => w.text));
    if (carried.length) return { question: `${message.trim()} ${carried.join(" ")}`, rewritten: true, followUp: { kind: "reference", previous } };
  }
  return same;
}

/** Normalises, rewrites a follow-up against the last user turn of `history`, extracts slots. */
export async function understand(content: string, history: readonly HistoryTurn[], o: UnderstandOptions = {}): Promise<Understanding> {
  const normalized = collapseWhitespace(normalizeText(content));
  const lastUser = [...history].reverse().find((t) => t.role === "user");
  const rewrite = await rewriteFollowUp(normalized, lastUser ? (lastUser.standalone ?? lastUser.content) : undefined, o);
  return { normalized, ...rewrite, slots: extractSlots(rewrite.question) };
}

export function understandStage(o: UnderstandOptions = {}): StepStage {
  return {
    name: "understand",
    kind: "prepare",
    routes: "all",
    async run(ctx) {
      const u = await understand(ctx.content, ctx.history, o);
      ctx.understanding = u;
      ctx.meta.question = u.question;
      ctx.meta.rewritten = u.rewritten;
      ctx.meta.slots = u.slots;
    },
  };
}
