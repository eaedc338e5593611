/**
 * The guardrails as the rest of the API sees them: the three rails over one tenant's configuration, and the
 * record of every block (guardrail_blocks_total{stage, rail, rule} in the metrics, and a `guardrail.block` audit
 * event naming the stage, rails and rules with their scores, never the text or the PII it held).
 *
 *   checkInput      the input rail (input-rail.ts)
 *   checkRetrieval  passages scanned for instructions aimed at the model (retrieval-rail.ts), neutralised
 *   checkOutput     a whole answer text, sentence by sentence (output-rail.ts); streams use the guard-out stage,
 *                   which calls the same sentence check while it holds back the window
 *   check           POST /v1/guard/check: one of the three by `stage`
 */
import { Counter, type Registry } from "prom-client";
import { errors } from "../../core/errors";
import type { Embedder } from "../../core/ports/embedder";
import type { Passage } from "../../core/ports/retrieval";
import { splitSentences } from "../../core/text";
import type { GuardConfig } from "./guard-config";
import type { GuardConfigStore } from "./guard-config-store";
import { ExemplarDetector } from "./exemplar-detector";
import { InputRail } from "./input-rail";
import type { Judge } from "./judge";
import { OutputRail } from "./output-rail";
import { neutralize, PassageScanCache } from "./retrieval-rail";
import { stronger, type GuardAction, type GuardResult, type GuardStage, type Violation } from "./types";

export interface BlockRecord {
  tenantId: string;
  stage: GuardStage;
  violations: readonly Violation[];
  /** What was blocked: a message id, or "guard-check". */
  target?: string;
}

export interface GuardrailsDeps {
  configs: Pick<GuardConfigStore, "current">;
  /** The local sentence encoder (exemplars, sentence support); absent: those layers are skipped. */
  encoder?: () => Embedder | undefined;
  /** The LLM judge when the inference tier is configured. */
  judge?: Judge;
  metrics?: Registry;
  /** Writes the audit event of a block (failures are logged by the caller, never fail the answer). */
  audit?: (r: BlockRecord) => Promise<void>;
}

export interface CheckRequest {
  text: string;
  stage: GuardStage;
  context?: { passages?: string[]; previousTurns?: string[] };
}

const counters = new WeakMap<Registry, Counter<"stage" | "rail" | "rule">>();

export class Guardrails {
  readonly input: InputRail;
  readonly exemplars?: ExemplarDetector;
  readonly output: OutputRail;
  readonly scans = new PassageScanCache();
  private readonly blocks?: Counter<"stage" | "rail" | "rule">;

  constructor(readonly deps: GuardrailsDeps) {
    this.exemplars = deps.encoder ? new ExemplarDetector(deps.encoder) : undefined;
    this.input = new InputRail({ exemplars: this.exemplars, judge: deps.judge });
    this.output = new OutputRail({ encoder: deps.encoder, judge: deps.judge });
    if (deps.metrics) {
      let c = counters.get(deps.metrics);
      if (!c) {
        c = new Counter({ name: "guardrail_blocks_total", help: "Messages, passages and answer sentences blocked or removed by the guardrails, by stage, rail and rule.", labelNames: ["stage", "rail", "rule"], registers: [deps.metrics] });
        counters.set(deps.metrics, c);
      }
      this.blocks = c;
    }
  }

  config(tenantId: string): Promise<GuardConfig> {
    return this.deps.configs.current(tenantId);
  }

  /** Loads the encoder and the attack exemplars' vectors (call at start, in the background). */
  warm(): Promise<void> {
    return this.exemplars?.warm() ?? Promise.resolve();
  }

  async checkInput(tenantId: string, text: string, previousTurns: readonly string[] = [], signal?: AbortSignal, waitForEncoder = false): Promise<GuardResult> {
    return this.input.check({ text, previousTurns, signal, waitForEncoder }, await this.config(tenantId));
  }

  /** Each passage scanned (cached by chunk id when it has one) and neutralised; `text` joins them with blank lines. */
  async checkRetrieval(tenantId: string, passages: readonly { text: string; chunkId?: string }[]): Promise<GuardResult & { passages: string[] }> {
    const cfg = await this.config(tenantId);
    const violations: Violation[] = [];
    const out: string[] = [];
    let at = 0;
    for (const p of passages) {
      if (!cfg.retrieval.enabled) {
        out.push(p.text);
        continue;
      }
      const scan = p.chunkId ? this.scans.scan(p.chunkId, p.text, cfg.retrieval.blockScore) : this.scans.scan(`text:${Bun.hash(p.text)}`, p.text, cfg.retrieval.blockScore);
      if (scan.flagged) for (const f of scan.findings) violations.push({ rail: "indirect-injection", rule: f.rule, span: [at + f.start, at + f.end], score: f.score });
      out.push(neutralize(p.text, scan));
      at += p.text.length + 2;
    }
    const action: GuardAction = violations.length ? "neutralize" : "allow";
    return {
      allowed: true,
      action,
      violations,
      layers: [{ layer: "indirect-injection", verdict: !cfg.retrieval.enabled ? "skipped" : violations.length ? "flag" : "pass", reason: violations.length ? `${new Set(violations.map((v) => v.rule)).size} rule(s) in ${out.filter((t, i) => t !== passages[i]!.text).length} passage(s)` : "no instruction found", ms: 0 }],
      text: out.join("\n\n"),
      passages: out,
    };
  }

  /** An answer's text checked sentence by sentence, as the stream's window does (canary and passages optional). */
  async checkOutput(tenantId: string, text: string, passages: readonly Passage[], canary?: string, grounded = passages.length > 0): Promise<GuardResult> {
    const cfg = await this.config(tenantId);
    const violations: Violation[] = [];
    let action: GuardAction = "allow";
    const cited: number[] = [];
    let sent = "";
    let removed = 0;
    const spans = splitSentences(text);
    for (const s of spans) {
      const v = await this.output.checkSentence({ text: text.slice(s.start, s.end), passages, citedBefore: cited, grounded, canary }, cfg);
      violations.push(...v.violations.map((x) => ({ ...x, span: x.span ? ([s.start + x.span[0], s.start + x.span[1]] as [number, number]) : ([s.start, s.end] as [number, number]) })));
      if (v.verdict === "block") return { allowed: false, action: "block", violations, layers: [{ layer: "output", verdict: "block", reason: v.violations.map((x) => x.rule).join(", "), ms: 0 }], text: "" };
      if (v.verdict === "remove") {
        removed++;
        action = stronger(action, cfg.output.unsupported === "escalate" ? "escalate" : "remove");
        continue;
      }
      if (v.text !== text.slice(s.start, s.end)) action = stronger(action, "redact");
      cited.push(...v.cites.filter((i) => !cited.includes(i)));
      sent += (sent ? " " : "") + v.text;
    }
    if (removed && spans.length && removed / spans.length > cfg.output.maxRemovedShare) action = "escalate";
    return {
      allowed: action !== "block",
      action,
      violations,
      layers: [{ layer: "output", verdict: removed ? "flag" : "pass", reason: `${removed} of ${spans.length} sentence(s) unsupported`, ms: 0 }],
      text: action === "escalate" ? "" : sent,
    };
  }

  async check(tenantId: string, req: CheckRequest): Promise<GuardResult> {
    if (typeof req.text !== "string") throw errors.invalid("GUARD_TEXT_INVALID", "text must be a string");
    const passages = req.context?.passages ?? [];
    let res: GuardResult;
    if (req.stage === "input") res = await this.checkInput(tenantId, req.text, req.context?.previousTurns ?? [], undefined, true);
    else if (req.stage === "retrieval") res = await this.checkRetrieval(tenantId, [{ text: req.text }]);
    else {
      const ps = passages.map((text, i) => ({ chunkId: `check:${i}:${Bun.hash(text)}`, documentId: "check", title: "", page: null, sectionPath: [], text, charStart: 0, charEnd: text.length, docType: "", source: "", tags: [], score: 1, ranks: {} }));
      res = await this.checkOutput(tenantId, req.text, ps, undefined, ps.length > 0);
    }
    if (!res.allowed || res.action === "remove" || res.action === "escalate") await this.recordBlock({ tenantId, stage: req.stage, violations: res.violations, target: "guard-check" });
    return res;
  }

  /** Counts a block in the metrics and writes its audit event (rules and scores only). */
  async recordBlock(r: BlockRecord): Promise<void> {
    const strong = r.violations.filter((v) => v.rail !== "pii" && !(v.rail === "sensitive-word" && v.rule === "mask"));
    for (const v of strong.length ? strong : r.violations) this.blocks?.inc({ stage: r.stage, rail: v.rail, rule: v.rule });
    await this.deps.audit?.(r);
  }
}
