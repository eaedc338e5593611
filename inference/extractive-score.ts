/**
 * Scoring and selection of candidate sentences for the extractive generator.
 *
 * score(sentence) = overlap + 0.15 * passagePrior + 0.05 * positionPrior + 0.1 * answerCue
 *   overlap        IDF-weighted share of the question's content terms the sentence contains (0-1; a term only
 *                  in the passage's title or section counts half; a term the sentence says in other words counts
 *                  QuestionProfile.related's credit); the IDF is computed over the candidate sentences, so a
 *                  term every sentence shares weighs little and a term no sentence has weighs most.
 *   passagePrior   0.5 * score / best score + 0.5 / (1 + passage index)   (retrieval's opinion, 0-1)
 *   positionPrior  1 / (1 + position of the sentence in its passage)      (lead sentences state the rule)
 *   answerCue      1 when the question asks how long / how much / how many / whether and the sentence carries
 *                  the matching cue (a duration, an amount, a number, a yes/no or policy word); only counted
 *                  when overlap > 0.
 * Only sentences with overlap > 0 are eligible.
 */
import { tokenize } from "../core/text";
import { compoundParts, stem, stemmedTerms, type Candidate } from "./extractive-sentences";

export type CueKind = "duration" | "amount" | "count" | "polar" | "clock";

export interface QuestionProfile {
  /** Distinct stemmed content terms, question-form words ("how long", "please") removed. */
  terms: string[];
  /**
   * Credit (0-1) for a question term a text does not contain, from the closest of the text's terms in meaning
   * (e.g. "send" for "return"); absent: only literal matches count.
   */
  related?: (term: string, terms: ReadonlySet<string>) => number;
  cues: CueKind[];
  /** Number of words in the question (all tokens). */
  wordCount: number;
}

export interface ScoredCandidate extends Candidate {
  overlap: number;
  /** The injected sentence similarity to the question (the encoder's cosine), when it was asked for this one. */
  similarity?: number;
  cue: boolean;
  score: number;
}

const HOW_WORDS = new Set(["long", "much", "many", "soon", "quickly", "fast", "often", "far", "late", "early"]);
const FILLER = new Set("tell know please hi hello hey thanks thank wondering question explain anyone".split(" "));
const POLAR_START = new Set("is are do does can could will would should am did was were may has have".split(" "));

const CUE_PATTERNS: Record<CueKind, RegExp> = {
  duration:
    /\b\d+\s*(?:-\s*)?(?:business |calendar |working )?(?:day|week|month|year|hour|minute)s?\b|\b(?:one|two|three|four|five|six|seven|ten|fourteen|thirty|sixty|ninety) (?:business )?(?:day|week|month|year|hour)s?\b|\bwithin\b|\buntil\b/i,
  amount: /[$€£]\s?\d|\b\d+(?:\.\d+)?\s?(?:usd|eur|gbp|dollars?|euros?|%)|\bfree\b|\bno charge\b|\bfees?\b|\bcosts?\b/i,
  count: /\b\d+\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|once|twice)\b/i,
  clock: /\b\d{1,2}(?::\d{2})?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)|\b\d{1,2}:\d{2}\b|\b(?:noon|midnight)\b/i,
  polar:
    /\b(?:yes|no|not|never|only|can|may|must|cannot|can't|don't|doesn't|isn't|aren't|won't|exclude[sd]?|include[sd]?|covers?|covered|eligible|ineligible|allowed|permitted|prohibited|accepts?|offers?|ships?)\b/i,
};

export function analyzeQuestion(question: string): QuestionProfile {
  const words = tokenize(question);
  const cues = new Set<CueKind>();
  const folded = words.join(" ");
  if (/\bhow (?:long|soon|quickly|fast)\b|\bwhen\b|\bdeadline\b|\bhow many (?:days|weeks|months|years|hours)\b/.test(folded)) cues.add("duration");
  if (/\bhow much\b|\b(?:cost|costs|price|fee|fees|charge|charges)\b/.test(folded)) cues.add("amount");
  if (/\bhow many\b/.test(folded)) cues.add("count");
  // "What time...", "your support hours": a time of day (not "how many hours", "24 hours").
  if (/\bwhat time\b/.test(folded) || words.some((w, i) => (w === "hours" || w === "hour") && !/^\d/.test(words[i - 1] ?? "") && !(words[i - 2] === "how" && words[i - 1] === "many"))) cues.add("clock");
  if ((words[0] && POLAR_START.has(words[0])) || words.includes("whether")) cues.add("polar");
  const kept = words.filter((w, i) => !(i > 0 && words[i - 1] === "how" && HOW_WORDS.has(w)) && !FILLER.has(w));
  // A compound the question writes ("75-inch") is asked as its parts, which a text has whether it writes the
  // compound or spaces it (extractive-sentences.ts gives a compound's parts to the text's terms too).
  const spaced = kept.flatMap((w) => (compoundParts(w).length === 2 ? compoundParts(w) : [w]));
  return { terms: stemmedTerms(spaced.join(" ")), cues: [...cues], wordCount: words.length };
}

/** Light verbs say little about the topic ("how long does a refund take"): their weight is quartered. */
const LIGHT_VERBS = new Set(
  "take get make need want go give work use happen mean put let see look find like come keep say".split(" ").map(stem),
);

/**
 * Term weight: sentence-level IDF ln(1 + (N - df + 0.5) / (df + 0.5)), a quarter of it for light verbs.
 * A term no candidate has gets the largest weight.
 */
export function idfTable(candidates: readonly Candidate[]): (term: string) => number {
  const df = new Map<string, number>();
  for (const c of candidates) for (const t of c.terms) df.set(t, (df.get(t) ?? 0) + 1);
  const n = candidates.length;
  return (term) => {
    const d = df.get(term) ?? 0;
    return Math.log(1 + (n - d + 0.5) / (d + 0.5)) * (LIGHT_VERBS.has(term) ? 0.25 : 1);
  };
}

/**
 * IDF-weighted share of the question terms present in `terms` (0-1), and the terms missing. A term found only
 * in `context` (the passage's title and section path, e.g. "policy" in "Return Policy") counts half.
 */
export function weightedCoverage(
  question: QuestionProfile,
  terms: Iterable<string>,
  idf: (t: string) => number,
  context: Iterable<string> = [],
): { coverage: number; missing: string[] } {
  const have = new Set(terms);
  const around = new Set(context);
  let total = 0;
  let hit = 0;
  const missing: string[] = [];
  for (const t of question.terms) {
    const w = idf(t);
    total += w;
    if (have.has(t)) hit += w;
    else if (around.has(t)) hit += w / 2;
    else {
      const r = question.related?.(t, have) ?? 0;
      hit += w * r;
      if (r < 0.5) missing.push(t);
    }
  }
  return { coverage: total > 0 ? hit / total : 0, missing };
}

export function hasCue(text: string, cues: readonly CueKind[]): boolean {
  return cues.some((k) => CUE_PATTERNS[k].test(text));
}

/**
 * Weight of the injected sentence similarity (ExtractiveOptions.sentenceSimilarity, e.g. a sentence encoder's
 * cosine) in a candidate's score: score = lexical score + SENTENCE_SIMILARITY_WEIGHT * cosine. The one constant
 * tuned with the encoder wired in (bench/answer-quality.ts --grid-encoder, on the even-indexed questions only, the
 * odd half reported). Only lexically eligible sentences (overlap > 0) are rescored, so the similarity reorders
 * grounded sentences and never makes an unrelated one answer.
 */
// Chosen with bench/answer-quality.ts --grid-encoder on the even half only: weight 0 (lexical) -> 55, 0.5 -> 62,
// 1 -> 66 (at the gate thresholds below); see ENCODER_ANSWER_MIN.
export const SENTENCE_SIMILARITY_WEIGHT = 1;

/**
 * Scores every candidate (see the file comment); returns eligible ones, best first. `similarity`, when given,
 * holds a similarity (-1..1) to the question for candidates (by index in `candidates`; missing ones count 0),
 * added with `similarityWeight` (default SENTENCE_SIMILARITY_WEIGHT).
 */
export function scoreCandidates(
  question: QuestionProfile,
  candidates: readonly Candidate[],
  passages: readonly { score: number }[],
  idf: (t: string) => number,
  similarity?: ReadonlyMap<number, number>,
  similarityWeight = SENTENCE_SIMILARITY_WEIGHT,
): ScoredCandidate[] {
  const maxScore = Math.max(0, ...passages.map((p) => (Number.isFinite(p.score) ? p.score : 0)));
  const prior = (i: number) => {
    const s = passages[i]?.score ?? 0;
    const rel = maxScore > 0 && Number.isFinite(s) ? Math.max(0, s) / maxScore : 0;
    return 0.5 * rel + 0.5 / (1 + i);
  };
  const out: ScoredCandidate[] = [];
  candidates.forEach((c, i) => {
    const overlap = candidateOverlap(question, c, idf);
    if (overlap <= 0) return;
    const cue = question.cues.length > 0 && hasCue(c.text, question.cues);
    const lexical = overlap + 0.15 * prior(c.passageIndex) + 0.05 / (1 + c.position) + (cue ? 0.1 : 0);
    const sim = similarity?.get(i);
    const score = sim === undefined || !Number.isFinite(sim) ? lexical : lexical + similarityWeight * sim;
    out.push({ ...c, overlap, cue, score, ...(sim !== undefined && Number.isFinite(sim) ? { similarity: sim } : {}) });
  });
  return out.sort((a, b) => b.score - a.score || a.passageIndex - b.passageIndex || a.position - b.position);
}

/** The question overlap of a candidate (weightedCoverage of its terms, its passage's title and section as context). */
export function candidateOverlap(question: QuestionProfile, c: Candidate, idf: (t: string) => number): number {
  return weightedCoverage(question, c.terms, idf, c.contextTerms).coverage;
}

/** Jaccard similarity of two term lists. */
export function termJaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const sa = new Set(a);
  let inter = 0;
  for (const t of new Set(b)) if (sa.has(t)) inter++;
  return inter / (sa.size + new Set(b).size - inter);
}

export interface SelectOptions {
  maxSentences: number;
  /** A further sentence from a passage no chosen sentence is from must cover this share of the best overlap. */
  minRelativeOverlap: number;
  /** Stop when a sentence's marginal score falls below this share of the best sentence's score. */
  dropRatio: number;
  /** A further sentence must add at least this IDF-weighted share of question terms no chosen sentence has yet. */
  minNewCoverage: number;
  /** Term-set Jaccard above which two sentences count as the same content. */
  duplicateThreshold: number;
  /**
   * With the encoder's similarities: a further sentence of a passage already quoted is also taken when its
   * similarity to the question is within this margin of the best chosen one's (it says more about what was
   * asked: "...within 60 minutes" after "You can cancel an order from Account > Orders"). Undefined: off.
   */
  similarityMargin?: number;
}

/**
 * Greedy selection that stops when the question is answered: take the best candidate, then a further one only
 * when it adds question terms the chosen ones leave open (new coverage >= minNewCoverage), or carries the answer
 * cue the question asks for (a duration, an amount, a time...) that no chosen one carries; and its marginal score
 * (score * (1 - 0.5 * max Jaccard with what is already chosen) + new coverage) is at least dropRatio * best. A
 * further sentence from another passage than the chosen ones must also be about as relevant as the best on its
 * own (overlap >= minRelativeOverlap * best overlap): a sentence that only shares one word with the question is
 * another topic. A sentence as relevant as the best but saying nothing new is not added: that was padding. A list comes
 * whole (its lead and items in order) and replaces any of its sentences chosen before it; a sentence of a chosen
 * list is not chosen again. Exact repeats (same key) and near-duplicates (Jaccard above duplicateThreshold) are
 * skipped.
 */
export function selectSentences(
  scored: readonly ScoredCandidate[],
  question: QuestionProfile,
  idf: (t: string) => number,
  o: SelectOptions,
): ScoredCandidate[] {
  let chosen: ScoredCandidate[] = [];
  const best = scored[0]?.score ?? 0;
  const total = question.terms.reduce((s, t) => s + idf(t), 0);
  const covered = new Set<string>();
  const bestOverlap = Math.max(0, ...scored.map((c) => c.overlap));
  const inChosenList = (c: ScoredCandidate) => chosen.some((s) => s.passageIndex === c.passageIndex && s.members?.includes(c.key));
  for (const c of scored) {
    if (chosen.length >= o.maxSentences) break;
    if (chosen.some((s) => s.key === c.key) || inChosenList(c)) continue;
    const redundancy = Math.max(0, ...chosen.map((s) => termJaccard(s.terms, c.terms)));
    if (redundancy > o.duplicateThreshold) continue;
    if (chosen.length > 0) {
      const added = question.terms.filter((t) => !covered.has(t) && c.terms.includes(t)).reduce((s, t) => s + idf(t), 0);

      const newCoverage = total > 0 ? added / total : 0;
      const cueMissing = question.cues.length > 0 && c.cue && !chosen.some((s) => s.cue);
      const relevant = c.overlap >= o.minRelativeOverlap * bestOverlap;
      const beside = chosen.some((s) => s.passageIndex === c.passageIndex && Math.abs(s.position - c.position) === 1);
      const topSimilarity = Math.max(...chosen.map((s) => s.similarity ?? -Infinity));
      const closeInMeaning =
        o.similarityMargin !== undefined &&
        c.similarity !== undefined &&
        Number.isFinite(topSimilarity) &&
        c.similarity >= topSimilarity - o.similarityMargin &&
        chosen.some((s) => s.passageIndex === c.passageIndex);
      if (newCoverage < o.minNewCoverage && !(cueMissing && (relevant || beside)) && !closeInMeaning) continue;
      if (c.score * (1 - 0.5 * redundancy) + newCoverage < o.dropRatio * best && !closeInMeaning) continue;
      if (!chosen.some((s) => s.passageIndex === c.passageIndex) && !relevant) continue;
    }
    if (c.members) chosen = chosen.filter((s) => !(s.passageIndex === c.passageIndex && c.members!.includes(s.key)));
    chosen.push(c);
    // A term is answered when a chosen sentence has it, its title or section says it ("support" in an FAQ entry's
    // question), or it says it in other words (QuestionProfile.related).
    const { missing } = weightedCoverage(question, chosen.flatMap((x) => x.terms), idf, chosen.flatMap((x) => x.contextTerms));
    for (const t of question.terms) if (!missing.includes(t)) covered.add(t);
  }
  return chosen;
}
