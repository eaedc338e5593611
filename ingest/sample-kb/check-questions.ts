/**
 * Checks bench/data/sample-kb-questions.json against the sample knowledge base:
 *  - every question is well formed (answerable ones name an existing file and at least one fact;
 *    unanswerable ones have expectedSource null and no facts);
 *  - every mustContain string occurs (case-insensitive) in its expected file, and all of a question's facts
 *    occur together in one passage (section, FAQ item or CSV row) of that file;
 *  - for the PDF manual the facts are looked up in its Markdown source and in the text unpdf extracts
 *    from the built PDF;
 *  - every question has a category (policy | manual | faq | product | order | followup | offtopic) that agrees
 *    with it: an off-topic question is unanswerable, an unanswerable one is off-topic or a follow-up, the
 *    source-bound categories name their file (order: orders.csv, product: products.csv, faq: faq.json,
 *    manual: the PDF, policy: returns, shipping or warranty), and a follow-up, and only a follow-up, carries
 *    `history` (the user questions before it in the same conversation);
 *  - a question is a duplicate only when its history is the same too ("what about phones?" may follow
 *    different questions);
 *  - every knowledge-base file is the expected source of at least 3 questions, there are at least
 *    200 questions, 60 answerable, 30 unanswerable and 25 follow-ups, and the three required questions are present.
 *
 *   npx bun ingest/sample-kb/check-questions.ts
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { extractText, getDocumentProxy } from "unpdf";
import { errors } from "../../core/errors.ts";
import { loadCsv } from "../loaders/csv.ts";
import { normalizePassage, splitPassages } from "./kb-passages.ts";

export const CATEGORIES = ["policy", "manual", "faq", "product", "order", "followup", "offtopic"] as const;
export type Category = (typeof CATEGORIES)[number];

export interface SampleQuestion {
  question: string;
  expectedSource: string | null;
  answerable: boolean;
  mustContain: string[];
  /** The question's main kind; every question of the shipped set has one. */
  category?: Category;
  /** For a follow-up: the user's earlier questions in the same conversation, oldest first. */
  history?: string[];
  /**
   * The answer is in a personal table (orders.csv): it is in no shared index, and the product states it only to
   * a customer verified for the order (the tool route asks for the order's email or postcode first).
   */
  personal?: boolean;
}

/** The files a source-bound category's questions must name (followup and offtopic are not bound). */
export const CATEGORY_SOURCES: Partial<Record<Category, readonly string[]>> = {
  policy: ["returns-and-refunds.md", "shipping-policy.html", "warranty-terms.md"],
  manual: ["voltbook-14-manual.pdf"],
  faq: ["faq.json"],
  product: ["products.csv"],
  order: ["orders.csv"],
};

export const MINIMUMS = { questions: 200, answerable: 60, unanswerable: 30, followups: 25 };

export interface KnowledgeFile {
  /** Name the questions use, e.g. "voltbook-14-manual.pdf". */
  name: string;
  /** Passages of the text the facts are checked against (the .md source for the PDF). */
  passages: string[];
  /** Text extracted from the binary file itself, when there is one (the PDF). */
  extractedText?: string;
  /** A table with personal columns (ingest/loaders/personal-columns.ts): kept as records only. */
  personal?: boolean;
}

export interface CheckReport {
  answerable: number;
  unanswerable: number;
  perSource: Record<string, number>;
  /** Questions per category ("(none)" for questions without one). */
  perCategory: Record<string, number>;
  problems: string[];
}

export const REQUIRED_QUESTIONS = [
  "How long do I have to return a laptop?",
  "Do you ship to Canada?",
  "Is water damage covered by the warranty?",
];

const here = dirname(fileURLToPath(import.meta.url));
export const SAMPLE_KB_DIR = here;
export const QUESTIONS_PATH = join(here, "..", "..", "bench", "data", "sample-kb-questions.json");

/** Validates the shape of the question file; throws a validation AppError naming the first bad entry. */
export function parseQuestions(raw: unknown): SampleQuestion[] {
  if (!Array.isArray(raw)) throw errors.invalid("QUESTIONS_INVALID", "the question file must hold a JSON array");
  return raw.map((entry: unknown, index) => {
    const q = entry as Partial<SampleQuestion> | null;
    const bad = (why: string) => errors.invalid("QUESTIONS_INVALID", `question #${index + 1}: ${why}`, { index });
    if (!q || typeof q !== "object") throw bad("not an object");
    if (typeof q.question !== "string" || q.question.trim() === "") throw bad("question must be a non-empty string");
    if (typeof q.answerable !== "boolean") throw bad("answerable must be true or false");
    if (!Array.isArray(q.mustContain) || q.mustContain.some((s) => typeof s !== "string" || s.trim() === "")) {
      throw bad("mustContain must be an array of non-empty strings");
    }
    if (q.answerable && (typeof q.expectedSource !== "string" || q.mustContain.length === 0)) {
      throw bad("an answerable question needs an expectedSource file name and at least one mustContain fact");
    }
    if (!q.answerable && (q.expectedSource !== null || q.mustContain.length > 0)) {
      throw bad("an unanswerable question must have expectedSource null and an empty mustContain");
    }
    if (q.category !== undefined && !(CATEGORIES as readonly unknown[]).includes(q.category)) {
      throw bad(`category must be one of ${CATEGORIES.join(", ")}`);
    }
    if (q.history !== undefined && (!Array.isArray(q.history) || q.history.length === 0 || q.history.some((s) => typeof s !== "string" || s.trim() === ""))) {
      throw bad("history must be a non-empty array of non-empty strings (the earlier user questions)");
    }
    if (q.personal !== undefined && typeof q.personal !== "boolean") throw bad("personal must be true or false");
    return {
      question: q.question,
      expectedSource: q.expectedSource ?? null,
      answerable: q.answerable,
      mustContain: q.mustContain,
      ...(q.category !== undefined ? { category: q.category } : {}),
      ...(q.history !== undefined ? { history: q.history } : {}),
      ...(q.personal !== undefined ? { personal: q.personal } : {}),
    };
  });
}

/** The files a knowledge-base folder offers to questions: documents, not README, scripts or a PDF's source. */
export function knowledgeFileNames(dir: string): string[] {
  const names = readdirSync(dir).filter((name) => /\.(md|html|json|csv|pdf)$/i.test(name) && name !== "README.md");
  return names.filter((name) => !(name.endsWith(".md") && names.includes(name.replace(/\.md$/, ".pdf")))).sort();
}

/** Loads every knowledge-base file's passages; a PDF is read through its .md source plus unpdf's text. */
export async function loadKnowledgeFiles(dir: string): Promise<KnowledgeFile[]> {
  const files: KnowledgeFile[] = [];
  for (const name of knowledgeFileNames(dir)) {
    if (name.endsWith(".pdf")) {
      const source = join(dir, name.replace(/\.pdf$/, ".md"));
      if (!existsSync(source)) throw errors.notFound("manual source", source);
      const pdf = await getDocumentProxy(new Uint8Array(readFileSync(join(dir, name))));
      const { text } = await extractText(pdf, { mergePages: true });
      files.push({ name, passages: splitPassages(source, readFileSync(source, "utf8")), extractedText: normalizePassage(text) });
    } else {
      const text = readFileSync(join(dir, name), "utf8");
      const personal = name.endsWith(".csv") && loadCsv(text, name.replace(/\.csv$/, "")).metadata?.personal === true;
      files.push({ name, passages: splitPassages(name, text), ...(personal ? { personal } : {}) });
    }
  }
  return files;
}

export function checkQuestions(questions: SampleQuestion[], files: KnowledgeFile[], minPerSource = 3): CheckReport {
  const problems: string[] = [];
  const byName = new Map(files.map((file) => [file.name, file]));
  const perSource: Record<string, number> = Object.fromEntries(files.map((file) => [file.name, 0]));
  const perCategory: Record<string, number> = {};
  const seen = new Set<string>();

  questions.forEach((q, index) => {
    const label = `#${index + 1} "${q.question}"`;
    const key = [...(q.history ?? []), q.question].map(normalizePassage).join(" \u0000 ");
    if (seen.has(key)) problems.push(`${label}: duplicate question`);
    seen.add(key);
    const category = q.category ?? "(none)";
    perCategory[category] = (perCategory[category] ?? 0) + 1;
    problems.push(...categoryProblems(q).map((p) => `${label}: ${p}`));
    if (!q.answerable || q.expectedSource === null) return;
    const file = byName.get(q.expectedSource);
    if (!file) {
      problems.push(`${label}: expectedSource "${q.expectedSource}" is not a file of the knowledge base`);
      return;
    }
    perSource[file.name] = (perSource[file.name] ?? 0) + 1;
    if (Boolean(file.personal) !== Boolean(q.personal)) {
      problems.push(`${label}: ${file.name} ${file.personal ? "is a personal table: mark the question personal" : "is not a personal table: the question is not personal"}`);
    }
    const facts = q.mustContain.map(normalizePassage);
    const whole = file.passages.join(" \n ");
    for (const fact of facts) {
      if (!whole.includes(fact)) problems.push(`${label}: "${fact}" does not occur in ${file.name}`);
      if (file.extractedText !== undefined && !file.extractedText.includes(fact)) {
        problems.push(`${label}: "${fact}" is missing from the text extracted from ${file.name}`);
      }
    }
    if (facts.every((fact) => whole.includes(fact)) && !file.passages.some((p) => facts.every((fact) => p.includes(fact)))) {
      problems.push(`${label}: the facts occur in ${file.name} but never together in one passage`);
    }
  });

  for (const [name, count] of Object.entries(perSource)) {
    if (count < minPerSource) problems.push(`${name} is the expected source of ${count} questions (needs ${minPerSource})`);
  }
  const answerable = questions.filter((q) => q.answerable).length;
  const unanswerable = questions.length - answerable;
  const followups = perCategory.followup ?? 0;
  if (questions.length < MINIMUMS.questions) problems.push(`only ${questions.length} questions (needs ${MINIMUMS.questions})`);
  if (answerable < MINIMUMS.answerable) problems.push(`only ${answerable} answerable questions (needs ${MINIMUMS.answerable})`);
  if (unanswerable < MINIMUMS.unanswerable) problems.push(`only ${unanswerable} unanswerable questions (needs ${MINIMUMS.unanswerable})`);
  if (followups < MINIMUMS.followups) problems.push(`only ${followups} follow-up questions (needs ${MINIMUMS.followups})`);
  for (const required of REQUIRED_QUESTIONS) {
    if (!questions.some((q) => q.question === required)) problems.push(`required question missing: "${required}"`);
  }
  return { answerable, unanswerable, perSource, perCategory, problems };
}

/** Why a question's category disagrees with the rest of it (empty when it agrees). */
function categoryProblems(q: SampleQuestion): string[] {
  if (q.category === undefined) return ["no category"];
  const out: string[] = [];
  if (q.category === "offtopic" && q.answerable) out.push("an offtopic question must be unanswerable");
  if (!q.answerable && q.category !== "offtopic" && q.category !== "followup") out.push(`an unanswerable question must be offtopic (or a followup), not ${q.category}`);
  const sources = CATEGORY_SOURCES[q.category];
  if (sources && q.expectedSource !== null && !sources.includes(q.expectedSource)) {
    out.push(`a ${q.category} question must name ${sources.join(" or ")}, not ${q.expectedSource}`);
  }
  if (q.category === "followup" && !q.history?.length) out.push("a followup needs the earlier user questions in history");
  if (q.category !== "followup" && q.history !== undefined) out.push("only a followup has a history");
  return out;
}

async function main(): Promise<void> {
  const questions = parseQuestions(JSON.parse(readFileSync(QUESTIONS_PATH, "utf8")));
  const report = checkQuestions(questions, await loadKnowledgeFiles(SAMPLE_KB_DIR));
  console.log("| expected source | questions |\n|---|---|");
  for (const [name, count] of Object.entries(report.perSource)) console.log(`| ${name} | ${count} |`);
  console.log(`| (unanswerable) | ${report.unanswerable} |`);
  console.log("\n| category | questions |\n|---|---|");
  for (const [name, count] of Object.entries(report.perCategory)) console.log(`| ${name} | ${count} |`);
  console.log(`\n${questions.length} questions: ${report.answerable} answerable, ${report.unanswerable} unanswerable`);
  console.log("command: npx bun ingest/sample-kb/check-questions.ts");
  for (const problem of report.problems) console.error(`FAIL: ${problem}`);
  if (report.problems.length > 0) process.exit(1);
  console.log("OK: every mustContain fact occurs in its expected source, together in one passage");
}

if (import.meta.main) await main();
