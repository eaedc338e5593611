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
import { stem, stemmedTerms, type Candidate } from "./extractive-sentences";

export type CueKind = "duration" | "amount" | "count" | "polar";

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
  if ((words[0] && POLAR_START.has(words[0])) || words.includes("whether")) cues.add("polar");
  const kept = words.filter((w, i) => !(i > 0 && words[i - 1] === "how" && HOW_WORDS.has(w)) && !FILLER.has(w));
  return { terms: stemmedTerms(kept.join(" ")), cues: [...cues], wordCount: words.length };
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

/** Scores every candidate (see the file comment); returns eligible ones, best first. */
export function scoreCandidates(
  question: QuestionProfile,
  candidates: readonly Candidate[],
  passages: readonly { score: number }[],
  idf: (t: string) => number,
): ScoredCandidate[] {
  const maxScore = Math.max(0, ...passages.map((p) => (Number.isFinite(p.score) ? p.score : 0)));
  const prior = (i: number) => {
    const s = passages[i]?.score ?? 0;
    const rel = maxScore > 0 && Number.isFinite(s) ? Math.max(0, s) / maxScore : 0;
    return 0.5 * rel + 0.5 / (1 + i);
  };
  const out: ScoredCandidate[] = [];
  for (const c of candidates) {
    const { coverage: overlap } = weightedCoverage(question, c.terms, idf, c.contextTerms);
    if (overlap <= 0) continue;
    const cue = question.cues.length > 0 && hasCue(c.text, question.cues);
    const score = overlap + 0.15 * prior(c.passageIndex) + 0.05 / (1 + c.position) + (cue ? 0.1 : 0);
    out.push({ ...c, overlap, cue, score });
  }
  return out.sort((a, b) => b.score - a.score || a.passageIndex - b.passageIndex || a.position - b.position);
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
  /** Stop when a sentence's marginal score falls below this share of the best sentence's score. */
  dropRatio: number;
  /** A further sentence must cover at least this share of the best overlap with the question... */
  minRelativeOverlap: number;
  /** ...or add at least this IDF-weighted share of question terms no chosen sentence has yet. */
  minNewCoverage: number;
  /** Term-set Jaccard above which two sentences count as the same content. */
  duplicateThreshold: number;
}

/**
 * Greedy selection: take the best sentence, then the next ones whose marginal score
 * (score * (1 - 0.5 * max Jaccard with what is already chosen) + new coverage) is at least dropRatio * best, as long as
 * each is about as relevant as the best (overlap >= minRelativeOverlap * best overlap) or answers a part of the
 * question the chosen ones leave open (new coverage >= minNewCoverage). Exact repeats (same key) and
 * near-duplicates (Jaccard above duplicateThreshold) are skipped.
 */
export function selectSentences(
  scored: readonly ScoredCandidate[],
  question: QuestionProfile,
  idf: (t: string) => number,
  o: SelectOptions,
): ScoredCandidate[] {
  const chosen: ScoredCandidate[] = [];
  const best = scored[0]?.score ?? 0;
  const bestOverlap = Math.max(0, ...scored.map((c) => c.overlap));
  const total = question.terms.reduce((s, t) => s + idf(t), 0);
  const covered = new Set<string>();
  for (const c of scored) {
    if (chosen.length >= o.maxSentences) break;
    if (chosen.some((s) => s.key === c.key)) continue;
    const redundancy = Math.max(0, ...chosen.map((s) => termJaccard(s.terms, c.terms)));
    if (redundancy > o.duplicateThreshold) continue;
    if (chosen.length > 0) {
      const added = question.terms.filter((t) => !covered.has(t) && c.terms.includes(t)).reduce((s, t) => s + idf(t), 0);
      const newCoverage = total > 0 ? added / total : 0;
      if (c.score * (1 - 0.5 * redundancy) + newCoverage < o.dropRatio * best) continue;
      if (c.overlap < o.minRelativeOverlap * bestOverlap && newCoverage < o.minNewCoverage) continue;
    }
    chosen.push(c);
    for (const t of c.terms) covered.add(t);
  }
  return chosen;
}
