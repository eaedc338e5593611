/**
 * The answer pipeline's contract: the context every stage reads and writes, the Stage kinds, the route a
 * message takes, and the typed meta the stream's `meta` event carries. Stages import this file only; the runner
 * (runner.ts) knows no stage by name, and the default list is wired in one factory (default-pipeline.ts).
 *
 * Stage kinds, in the order the runner applies them:
 *   prepare    understand, guard the input, route, retrieve, rerank, assemble: run in list order until a stage
 *              has produced the answer's stream (a stage after that is skipped)
 *   produce    sets `ctx.answer`, the answer's one typed event stream (generate; later a cache hit, a ticket
 *              confirmation, an agent's reply, a refusal)
 *   transform  wraps `ctx.answer.events` (citation mapping; later the output guard), in list order
 *   settle     runs once the final stream has been consumed and reduced (`ctx.outcome`): decide, persist
 * prepare and produce stages share one ordered walk, so a cache stage placed before retrieve skips it on a hit.
 * Every stage declares the routes it runs for; the route is read when the runner reaches the stage, so a
 * route stage early in the list decides which of the later ones run.
 */
import type { Assessment, Decision, FinishReason, StreamEvent, Usage } from "../../core/ports/language-model";
import type { Passage } from "../../core/ports/retrieval";
import type { MessageStatus } from "../../core/db/conversation-repository";
import type { RetrieveResult } from "./hybrid-retriever";

export const ROUTES = ["answer", "tool", "ticket", "handoff", "clarify"] as const;
/** What a message is routed to: a RAG answer, a structured lookup, a ticket, a human, a question back. */
export type Route = (typeof ROUTES)[number];

export interface Slots {
  orderNumbers: string[];
  skus: string[];
  emails: string[];
  dates: string[];
}

export interface HistoryTurn {
  role: "user" | "assistant" | "system";
  content: string;
  /** For user turns: the standalone question the turn was answered as (when it was rewritten). */
  standalone?: string;
}

export interface Understanding {
  /** The message after Unicode and whitespace normalisation. */
  normalized: string;
  /** The standalone question retrieval and generation use. */
  question: string;
  rewritten: boolean;
  followUp?: { kind: "ellipsis" | "reference"; previous: string };
  slots: Slots;
}

/** What a citation shows the customer; `sources[i]` belongs to passage i, cited as [i + 1]. */
export interface CitationSource {
  n: number;
  chunkId: string;
  documentId: string;
  title: string;
  page: number | null;
  sectionPath: string[];
  snippet: string;
}

/** The fields of the stream's `meta` event (and of the stored message's metadata where they matter). */
export interface AnswerMeta {
  route: Route;
  intent?: string;
  /** The intent's calibrated confidence (absent when the route was set by a rule, e.g. an order number). */
  intentConfidence?: number;
  /** Why the route was chosen: "order-number", "pending-proof", "intent", "out-of-scope", "no-personal-data". */
  routeReason?: string;
  /** The standalone question and what understand extracted. */
  question?: string;
  rewritten?: boolean;
  slots?: Slots;
  /** Who produced the answer's stream: a generator id (extractive-v1, llm:...), later "cache", "ticket", "agent". */
  generator?: string;
  /** Set when the configured generator could not serve and another answered instead. */
  fallback?: { from: string; code: string; reason: string };
}

/** The answer's event stream as produced, before transform stages wrap it. */
export interface AnswerSource {
  /** Who produced it (also AnswerMeta.generator). */
  producer: string;
  events: AsyncIterable<StreamEvent>;
}

/** The final stream reduced: exactly what the customer was sent. */
export interface AnswerOutcome {
  text: string;
  /** Citation events in order of first appearance; [n] is passage n - 1. */
  citations: { n: number; passageIndex: number }[];
  finishReason: FinishReason | "error";
  /** Set when the stream ended with an error (the text so far is partial). */
  error?: { code: string; message: string };
  usage?: Usage;
  /** The producer's own assessment, from the `finish` event. */
  assessment?: Assessment;
  /** From the `start` event. */
  model?: string;
  prompt?: { templateId: string; version: number };
  producer: string;
}

/** Citation markers the cite stage saw in the produced text (invalid: numbers with no passage, dropped). */
export interface CitationStats {
  markers: number;
  invalid: number[];
}

export interface AnswerCitationView {
  n: number;
  documentId: string;
  title: string;
  page: number | null;
  snippet: string;
  chunkId: string;
  sectionPath: string[];
}

/** Where the persist stage writes the answer. */
export interface AnswerTarget {
  conversationId: string;
  messageId: string;
  userMessageId: string;
  /** Extra fields for the assistant message's metadata, read when it is written. */
  extraMetadata?: () => Record<string, unknown>;
}

export interface FinalAnswer {
  messageId?: string;
  userMessageId?: string;
  conversationId?: string;
  answer: string;
  citations: AnswerCitationView[];
  decision: Decision;
  confidence: number;
  status: MessageStatus;
  finishReason: FinishReason | "error";
  error?: { code: string; message: string };
  question: string;
  rewritten: boolean;
  route: Route;
  generatorId: string;
  usage?: Usage;
  timings: Record<string, number>;
}

export interface PipelineContext {
  readonly tenantId: string;
  /** The customer's message as sent. */
  readonly content: string;
  /** Recent turns, oldest first. */
  readonly history: HistoryTurn[];
  readonly signal: AbortSignal;
  readonly target?: AnswerTarget;
  /** Most tokens the answer may take (the OpenAI facade's max_tokens); the generator's default when absent. */
  readonly maxTokens?: number;
  /** The signed-in customer, when the caller is an account: its email proves it owns that email's orders. */
  readonly customer?: { email?: string };
  readonly startedAt: number;
  /** The route this message takes ("answer" until a stage routes it elsewhere); mirrored in meta.route. */
  route: Route;
  meta: AnswerMeta;
  understanding?: Understanding;
  /** The route stage's intent decision (what the clarify route says, the alternatives it may offer). */
  intent?: { name: string; confidence: number; reply?: string; alternatives: { intent: string; confidence: number }[] };
  retrieval?: RetrieveResult;
  candidates: Passage[];
  /** Passages the answer may cite; [n] cites passages[n - 1]. */
  passages: Passage[];
  sources: CitationSource[];
  timings: Record<string, number>;
  /** The answer's stream, set by the produce stage. */
  answer?: AnswerSource;
  citationStats?: CitationStats;
  /** The final stream reduced (set by the runner once the stream is over). */
  outcome?: AnswerOutcome;
  /** Set by decide. */
  decision?: { decision: Decision; confidence: number; reason?: string };
  /** Set by persist. */
  final?: FinalAnswer;
}

interface StageBase {
  readonly name: string;
  /** The routes the stage runs for. */
  readonly routes: readonly Route[] | "all";
}

export interface StepStage extends StageBase {
  readonly kind: "prepare" | "produce" | "settle";
  /** The stage records its own timing. */
  readonly selfTimed?: boolean;
  run(ctx: PipelineContext): void | Promise<void>;
}

export interface TransformStage extends StageBase {
  readonly kind: "transform";
  /** Wraps the stream; must pass on exactly one terminal event (finish or error) and nothing after it. */
  wrap(events: AsyncIterable<StreamEvent>, ctx: PipelineContext): AsyncIterable<StreamEvent>;
}

export type Stage = StepStage | TransformStage;

export const runsFor = (s: Pick<Stage, "routes">, route: Route): boolean => s.routes === "all" || s.routes.includes(route);

export interface NewContext {
  tenantId: string;
  content: string;
  history?: HistoryTurn[];
  signal?: AbortSignal;
  target?: AnswerTarget;
  maxTokens?: number;
  customer?: { email?: string };
}

export function newContext(init: NewContext): PipelineContext {
  return {
    tenantId: init.tenantId,
    content: init.content,
    history: init.history ?? [],
    signal: init.signal ?? new AbortController().signal,
    target: init.target,
    ...(init.maxTokens !== undefined ? { maxTokens: init.maxTokens } : {}),
    ...(init.customer ? { customer: init.customer } : {}),
    startedAt: performance.now(),
    route: "answer",
    meta: { route: "answer" },
    candidates: [],
    passages: [],
    sources: [],
    timings: {},
  };
}

/** Sets the route (and the meta event's copy of it). */
export function setRoute(ctx: PipelineContext, route: Route, intent?: string): void {
  ctx.route = route;
  ctx.meta.route = route;
  if (intent !== undefined) ctx.meta.intent = intent;
}

/** The question stages work on: the standalone rewrite when understand ran, else the message. */
export const questionOf = (ctx: PipelineContext): string => ctx.understanding?.question ?? ctx.content;
