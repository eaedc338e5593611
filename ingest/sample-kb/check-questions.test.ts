import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { AppError } from "../../core/errors.ts";
import {
  CATEGORIES,
  MINIMUMS,
  QUESTIONS_PATH,
  REQUIRED_QUESTIONS,
  SAMPLE_KB_DIR,
  checkQuestions,
  knowledgeFileNames,
  loadKnowledgeFiles,
  parseQuestions,
  type KnowledgeFile,
  type SampleQuestion,
} from "./check-questions.ts";
import { csvPassages, htmlPassages, markdownPassages } from "./kb-passages.ts";

const answerable = (expectedSource: string, mustContain: string[], question = `q ${mustContain.join(" ")}`): SampleQuestion => ({
  question,
  expectedSource,
  answerable: true,
  mustContain,
});

const tinyKb: KnowledgeFile[] = [
  { name: "a.md", passages: markdownPassages("# A\n\n## Laptops\n\nReturn within **15 days**.\n\n## TVs\n\nReturn within 30 days.") },
];

describe("the shipped question set", () => {
  test("passes every check against the sample knowledge base, PDF included", async () => {
    const questions = parseQuestions(JSON.parse(readFileSync(QUESTIONS_PATH, "utf8")));
    const report = checkQuestions(questions, await loadKnowledgeFiles(SAMPLE_KB_DIR));
    expect(report.problems).toEqual([]);
    expect(questions.length).toBeGreaterThanOrEqual(MINIMUMS.questions);
    expect(report.answerable).toBeGreaterThanOrEqual(MINIMUMS.answerable);
    expect(report.unanswerable).toBeGreaterThanOrEqual(MINIMUMS.unanswerable);
    expect(report.perCategory.followup).toBeGreaterThanOrEqual(MINIMUMS.followups);
    expect(report.perCategory["(none)"]).toBeUndefined();
    for (const required of REQUIRED_QUESTIONS) expect(questions.map((q) => q.question)).toContain(required);
  });

  test("every category is on both halves (even-indexed tuning, odd-indexed held out)", () => {
    const questions = parseQuestions(JSON.parse(readFileSync(QUESTIONS_PATH, "utf8")));
    for (const category of CATEGORIES) {
      const half = (parity: number) => questions.filter((q, i) => i % 2 === parity && q.category === category).length;
      expect(Math.min(half(0), half(1))).toBeGreaterThan(0);
    }
  });

  test("knowledge files are the documents, not README, scripts or the manual's Markdown source", () => {
    expect(knowledgeFileNames(SAMPLE_KB_DIR)).toEqual([
      "faq.json",
      "orders.csv",
      "products.csv",
      "returns-and-refunds.md",
      "shipping-policy.html",
      "voltbook-14-manual.pdf",
      "warranty-terms.md",
    ]);
  });
});

describe("checkQuestions", () => {
  test("accepts facts that sit together in one section", () => {
    const report = checkQuestions([answerable("a.md", ["Laptops", "15 days"])], tinyKb, 1);
    expect(report.problems.filter((p) => p.includes("a.md"))).toEqual([]);
  });

  test("reports a fact that is not in the expected file", () => {
    const report = checkQuestions([answerable("a.md", ["45 days"])], tinyKb, 1);
    expect(report.problems.some((p) => p.includes('"45 days" does not occur in a.md'))).toBe(true);
  });

  test("reports facts that occur only in different passages", () => {
    const report = checkQuestions([answerable("a.md", ["Laptops", "30 days"])], tinyKb, 1);
    expect(report.problems.some((p) => p.includes("never together in one passage"))).toBe(true);
  });

  test("reports an unknown source, an under-used file, duplicates and missing required questions", () => {
    const q = answerable("nope.pdf", ["x"], "same?");
    const report = checkQuestions([q, { ...q }], tinyKb, 3);
    expect(report.problems.some((p) => p.includes('"nope.pdf" is not a file'))).toBe(true);
    expect(report.problems.some((p) => p.includes("a.md is the expected source of 0 questions"))).toBe(true);
    expect(report.problems.some((p) => p.includes("duplicate question"))).toBe(true);
    expect(report.problems.some((p) => p.includes("required question missing"))).toBe(true);
  });

  test("reports categories that disagree with the question", () => {
    const fine: SampleQuestion = { ...answerable("a.md", ["15 days"], "ok"), category: "followup", history: ["laptops?"] };
    const cases: [SampleQuestion, string][] = [
      [answerable("a.md", ["15 days"], "none"), "no category"],
      [{ question: "off", expectedSource: null, answerable: false, mustContain: [], category: "manual" }, "must be offtopic"],
      [{ ...answerable("a.md", ["15 days"], "src"), category: "order" }, "a order question must name orders.csv"],
      [{ ...answerable("a.md", ["15 days"], "fu"), category: "followup" }, "needs the earlier user questions"],
      [{ ...answerable("a.md", ["15 days"], "hist"), category: "faq", history: ["before?"] }, "only a followup has a history"],
    ];
    expect(checkQuestions([fine], tinyKb, 1).problems.filter((p) => p.includes('"ok"'))).toEqual([]);
    for (const [q, why] of cases) {
      const problems = checkQuestions([q], tinyKb, 1).problems.filter((p) => p.includes(`"${q.question}"`));
      expect(problems.some((p) => p.includes(why))).toBe(true);
    }
  });

  test("the same follow-up after different questions is not a duplicate; after the same one it is", () => {
    const fu = (history: string[]): SampleQuestion => ({ ...answerable("a.md", ["15 days"], "what about phones?"), category: "followup", history });
    const distinct = checkQuestions([fu(["laptops?"]), fu(["tvs?"])], tinyKb, 1);
    expect(distinct.problems.some((p) => p.includes("duplicate"))).toBe(false);
    const same = checkQuestions([fu(["laptops?"]), fu(["Laptops?"])], tinyKb, 1);
    expect(same.problems.some((p) => p.includes("duplicate"))).toBe(true);
  });

  test("counts follow-ups and the minimum sizes", () => {
    const report = checkQuestions([answerable("a.md", ["15 days"])], tinyKb, 1);
    expect(report.problems).toContain(`only 1 questions (needs ${MINIMUMS.questions})`);
    expect(report.problems).toContain(`only 0 follow-up questions (needs ${MINIMUMS.followups})`);
    expect(report.perCategory).toEqual({ "(none)": 1 });
  });

  test("a question answered from a personal table says so, and only such a question", async () => {
    const orders = (await loadKnowledgeFiles(SAMPLE_KB_DIR)).find((f) => f.name === "orders.csv")!;
    expect(orders.personal).toBe(true);
    const unmarked = checkQuestions([answerable("orders.csv", ["VM-100202"])], [orders], 1);
    expect(unmarked.problems).toContain('#1 "q VM-100202": orders.csv is a personal table: mark the question personal');
    const marked = checkQuestions([{ ...answerable("orders.csv", ["VM-100202"]), personal: true }], [orders], 1);
    expect(marked.problems.filter((p) => p.includes("personal"))).toEqual([]);
    expect(checkQuestions([{ ...answerable("a.md", ["15 days"]), personal: true }], tinyKb, 1).problems.some((p) => p.includes("is not a personal table"))).toBe(true);
  });

  test("checks the PDF's extracted text as well as its source", () => {
    const pdf: KnowledgeFile = { name: "m.pdf", passages: ["battery lasts 14 hours"], extractedText: "battery lasts" };
    const report = checkQuestions([answerable("m.pdf", ["14 hours"])], [pdf], 1);
    expect(report.problems.some((p) => p.includes("missing from the text extracted from m.pdf"))).toBe(true);
  });
});

describe("parseQuestions rejects malformed entries with a 422 AppError", () => {
  const cases: [string, unknown][] = [
    ["not an array", { question: "x" }],
    ["answerable without a source", [{ question: "x", expectedSource: null, answerable: true, mustContain: ["a"] }]],
    ["answerable without facts", [{ question: "x", expectedSource: "a.md", answerable: true, mustContain: [] }]],
    ["unanswerable with a source", [{ question: "x", expectedSource: "a.md", answerable: false, mustContain: [] }]],
    ["empty fact", [{ question: "x", expectedSource: "a.md", answerable: true, mustContain: [" "] }]],
    ["missing question", [{ expectedSource: "a.md", answerable: true, mustContain: ["a"] }]],
    ["unknown category", [{ question: "x", expectedSource: "a.md", answerable: true, mustContain: ["a"], category: "shipping" }]],
    ["history not an array", [{ question: "x", expectedSource: "a.md", answerable: true, mustContain: ["a"], category: "followup", history: "before?" }]],
    ["empty history", [{ question: "x", expectedSource: "a.md", answerable: true, mustContain: ["a"], category: "followup", history: [] }]],
    ["blank history turn", [{ question: "x", expectedSource: "a.md", answerable: true, mustContain: ["a"], category: "followup", history: [" "] }]],
  ];
  for (const [name, raw] of cases) {
    test(name, () => {
      let caught: unknown;
      try {
        parseQuestions(raw);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).status).toBe(422);
      expect((caught as AppError).code).toBe("QUESTIONS_INVALID");
    });
  }
});

test("parseQuestions keeps category and history", () => {
  const [q] = parseQuestions([{ question: "and phones?", history: ["laptops?"], category: "followup", expectedSource: "a.md", answerable: true, mustContain: ["a"] }]);
  expect(q).toEqual({ question: "and phones?", history: ["laptops?"], category: "followup", expectedSource: "a.md", answerable: true, mustContain: ["a"] });
});

describe("kb passages", () => {
  test("HTML passages keep visible text per heading and drop scripts and tags", () => {
    const passages = htmlPassages(
      "<html><head><title>T</title></head><body><h1>Ship</h1><p>Free over $49 &amp; more</p>" +
        "<h2>Canada</h2><p>Yes, we ship.</p><script>var secret = 1;</script></body></html>",
    );
    expect(passages).toEqual(["t", "ship free over $49 & more", "canada yes, we ship."]);
  });

  test("CSV passages are one row each with column names", () => {
    expect(csvPassages('id,name\nVM-1,"Laptop, 14"\nVM-2,TV\n')).toEqual(["id: vm-1; name: laptop, 14", "id: vm-2; name: tv"]);
  });

  test("Markdown passages drop emphasis and table pipes", () => {
    expect(markdownPassages("## Fees\n\n| A | B |\n|---|---|\n| **15%** | opened |")).toEqual(["fees a b 15% opened"]);
  });
});
