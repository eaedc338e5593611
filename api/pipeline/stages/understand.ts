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
 *   - reference: a short message (at most `maxReferenceTerms` content words) with a pronoun (it, its, they, them,
 *     their, "this one", "that one"; also that, this, those, these), and no named entity of its own. When an earlier
 *     user turn named an entity (an order number or SKU, with the word before it such as "order"; or a name: a run
 *     of capitalised words and numbers such as "VoltBook 14"), the pronoun is replaced by the last one named:
 *     "How long is its warranty?" after "Tell me about the VoltBook 14" -> "How long is the VoltBook 14 warranty?".
 *     Otherwise the previous question's content words that the message lacks are appended:
 *     "Is it covered by the warranty?" after "My laptop screen cracked" -> "Is it covered by the warranty? laptop screen cracked"
 *
 * Compound modifiers: "a 75 inch TV" is written "a 75-inch TV" (an indefinite article before a number and a word
 * that modify a noun makes one compound, as a catalogue writes it), so retrieval meets the catalogue's token.
 */
import { ORDER, SKU, extractSlots } from "../slots";
import { collapseWhitespace, foldForMatch, normalizeText, QUESTION_FRAME_WORDS, STOP_WORDS } from "../../../core/text";
import type { HistoryTurn, StepStage, Understanding } from "../stage";

export { extractSlots } from "../slots";

export type { HistoryTurn, Slots, Understanding } from "../stage";

export interface UnderstandOptions {
  /** Relatedness (-1..1) of `word` to each candidate, e.g. cosine of their embeddings. */
  related?: (word: string, candidates: string[]) => Promise<number[]>;
  /** Least relatedness for `related` to choose the replaced word (default 0.3). */
  minRelatedness?: number;
  /** A message with a pronoun and at most this many content words is a reference follow-up (default 3). */
  maxReferenceTerms?: number;
}

const WORD = /[\p{L}\p{N}]+(?:[-_.'’/][\p{L}\p{N}]+)*/gu;
const PRONOUNS = new Set(["it", "its", "that", "this", "they", "them", "their", "those", "these"]);
/** Pronouns that stand for a thing named before (replaced by the entity): "its", "it", "this one"... */
const ENTITY_PRONOUN = /\b(?:(its|their)|(it|them|they)|(?:this|that) one)\b/i;
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

/**
 * The entities a text names, in order: order numbers and SKUs (with the content word before them: "order
 * VM-100251"), and names: runs of capitalised words and numbers ("VoltBook 14", "Pixelon P8"). A capitalised
 * first word of the text counts only with a capital or a digit inside it or more words in its run ("Tell me"
 * is no name).
 */
export function namedEntities(text: string): string[] {
  const ws = words(text);
  const out: { at: number; text: string }[] = [];
  const taken = new Set<number>();
  const codes = new Set([...(text.match(ORDER) ?? []), ...(text.match(SKU) ?? [])].map((c) => c.toUpperCase()));
  ws.forEach((w, i) => {
    if (!codes.has(w.text.toUpperCase())) return;
    const before = ws[i - 1];
    const noun = before && before.content && /^\p{Ll}/u.test(before.text) && !VERBISH.test(before.text) ? before : undefined;
    out.push({ at: w.start, text: noun ? `${noun.text} ${w.text}` : w.text });
    taken.add(i);
  });
  const namey = (w: Word) => /^\p{Lu}/u.test(w.text) && w.text !== "I" && w.content;
  for (let i = 0; i < ws.length; i++) {
    if (taken.has(i) || !namey(ws[i]!)) continue;
    let j = i + 1;
    while (j < ws.length && !taken.has(j) && (namey(ws[j]!) || /\d/.test(ws[j]!.text)) && ws[j]!.start - ws[j - 1]!.end <= 1) j++;
    const run = ws.slice(i, j);
    const first = i === 0 || /[.!?]\s*$/.test(text.slice(0, ws[i]!.start));
    if (!first || run.length > 1 || /\p{Lu}/u.test(run[0]!.text.slice(1)) || /\d/.test(run[0]!.text)) {
      out.push({ at: run[0]!.start, text: text.slice(run[0]!.start, run[run.length - 1]!.end) });
    }
    i = j - 1;
  }
  return out.sort((a, b) => a.at - b.at).map((e) => e.text);
}

/** "a 75 inch TV" -> "a 75-inch TV" (see the file comment). */
export function joinCompoundModifiers(text: string): string {
  return text.replace(/\b(an?)\s+(\d+(?:\.\d+)?)\s+(\p{L}+)(?=\s+\p{L})/giu, "$1 $2-$3");
}

/** The message with its entity pronoun replaced by `entity`, or null when it has none. */
function replacePronoun(message: string, entity: string): string | null {
  const m = ENTITY_PRONOUN.exec(message);
  if (!m) return null;
  const isCode = /\d/.test(entity) && /[A-Z]{2,}-\d/i.test(entity);
  let phrase = isCode || /^\p{Ll}/u.test(entity) ? entity : `the ${entity}`;
  if (m.index === 0 || /[.!?]\s*$/.test(message.slice(0, m.index))) phrase = phrase.charAt(0).toUpperCase() + phrase.slice(1);
  return `${message.slice(0, m.index)}${phrase}${message.slice(m.index + m[0].length)}`;
}

/**
 * The standalone form of `message` given the previous user question (unchanged when it is not a follow-up).
 * `earlier`: the earlier user questions, newest first (default: [previous]), searched for the last named entity.
 */
export async function rewriteFollowUp(message: string, previous: string | undefined, o: UnderstandOptions = {}, earlier: readonly string[] = previous ? [previous] : []): Promise<Pick<Understanding, "question" | "rewritten" | "followUp">> {
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
    if (namedEntities(message).length === 0) {
      const entity = earlier.map((t) => namedEntities(t).pop()).find((e) => e !== undefined);
      const replaced = entity ? replacePronoun(message.trim(), entity) : null;
      if (replaced) return { question: replaced, rewritten: true, followUp: { kind: "reference", previous } };
    }
    const own = new Set(content.map((w) => foldForMatch(w.text)));
    const carried = unique(words(previous).filter((w) => w.content && !own.has(foldForMatch(w.text))).map((w) => w.text));
    if (carried.length) return { question: `${message.trim()} ${carried.join(" ")}`, rewritten: true, followUp: { kind: "reference", previous } };
  }
  return same;
}

/** Normalises, rewrites a follow-up against the last user turn of `history`, extracts slots. */
export async function understand(content: string, history: readonly HistoryTurn[], o: UnderstandOptions = {}): Promise<Understanding> {
  const normalized = collapseWhitespace(normalizeText(content));
  const users = [...history].reverse().filter((t) => t.role === "user").map((t) => t.standalone ?? t.content);
  const rewrite = await rewriteFollowUp(normalized, users[0], o, users);
  const question = joinCompoundModifiers(rewrite.question);
  return { normalized, ...rewrite, question, slots: extractSlots(question) };
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
