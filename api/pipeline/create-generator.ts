/**
 * Picks the AnswerGenerator from the config. With no LLM backends configured it is the embedded extractive
 * generator (paced by EXTRACTIVE_DELTA_DELAY_MS). The LLM generator plugs in here when LLM_BASE_URLS is set.
 *
 * Extractive grounding gate: minCoverage 0.4 (the composer's default is 0.5). Chosen with bench/answer-quality.ts
 * (sample knowledge base, bench/data/sample-kb-questions.json; sweep of retrieve k, MMR k and lambda, minCoverage,
 * judged on the even-indexed questions): 0.4 is the setting that helps with every retrieval setting tried; with
 * the pipeline defaults it answers 57 instead of 40 of the 81 answerable questions with the right citation, at the
 * cost of one of the 14 off-topic questions (10 instead of 11 declined).
 */
import type { Registry } from "prom-client";
import type { Config } from "../../core/config";
import type { AnswerGenerator } from "./answer-generator";
import { ExtractiveAnswerGenerator } from "./extractive-generator";
import { createLlmGenerator, type LlmGeneratorDeps } from "./llm-generator";

export const EXTRACTIVE_MIN_COVERAGE = 0.4;

export interface GeneratorDeps extends LlmGeneratorDeps {
  metrics?: Registry;
  log?: (line: string) => void;
  /** Injected into HTTP clients (tests). */
  fetch?: typeof fetch;
  /** Word similarity for the extractive generator's coverage of paraphrased questions (the local embedder's word vectors). */
  wordSimilarity?: (a: string, b: string) => number;
  /** Question-to-sentence similarity for the extractive generator's sentence choice (the neural sentence encoder). */
  sentenceSimilarity?: (question: string, sentences: string[]) => Promise<number[]>;
}

export function createGenerator(config: Config, deps: GeneratorDeps = {}): AnswerGenerator {
  if (config.llm.backends.length > 0) return createLlmGenerator(config.llm, deps);
  return extractiveGenerator(config, deps);
}

function extractiveGenerator(config: Config, deps: GeneratorDeps): ExtractiveAnswerGenerator {
  return new ExtractiveAnswerGenerator({ delayMs: config.streaming.extractiveDelayMs, minCoverage: EXTRACTIVE_MIN_COVERAGE, wordSimilarity: deps.wordSimilarity, sentenceSimilarity: deps.sentenceSimilarity });
}

/** What answers when the LLM gateway cannot serve: the extractive generator, unless LLM_FALLBACK=off or no LLM is configured. */
export function createFallbackGenerator(config: Config, deps: GeneratorDeps = {}): AnswerGenerator | undefined {
  return config.llm.backends.length > 0 && config.llm.fallback === "extractive" ? extractiveGenerator(config, deps) : undefined;
}
