/**
 * The assemble stage: fits the reranked passages into the generation token budget (budget.ts) and numbers them.
 * Passage i is cited as [i + 1]; `ctx.sources[i]` is what a citation shows the customer (document, title,
 * page, section, and a snippet of the passage).
 */
import type { Passage } from "../../../core/ports/retrieval";
import { fitBudget } from "../budget";
import type { CitationSource, StepStage } from "../stage";

export type { CitationSource } from "../stage";

export interface AssembleOptions {
  /** Tokens for all passages (default 1500). */
  maxTokens?: number;
  /** Most tokens one passage may take (default 400). */
  perPassageMax?: number;
  /** Tokens a passage's "[n] title, page" header costs (default 12). */
  overheadTokens?: number;
  /** Snippet length in characters (default 240). */
  snippetChars?: number;
}

/** The start of `text` cut at a word boundary within `max` characters, with an ellipsis when cut. */
export function snippetOf(text: string, max = 240): string {
  // Only the start is needed: flatten a prefix, and the whole text only when its spaces made that too short.
  const prefix = text.length > 4 * max ? text.slice(0, 4 * max) : text;
  let flat = prefix.replace(/\s+/g, " ").trim();
  if (prefix !== text && flat.length <= max) flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, "")}…`;
}

export function citationSources(passages: readonly Passage[], snippetChars = 240): CitationSource[] {
  return passages.map((p, i) => ({
    n: i + 1,
    chunkId: p.chunkId,
    documentId: p.documentId,
    title: p.title,
    page: p.page,
    sectionPath: p.sectionPath,
    snippet: snippetOf(p.text, snippetChars),
  }));
}

export function assembleStage(o: AssembleOptions = {}): StepStage {
  return {
    name: "assemble",
    kind: "prepare",
    routes: ["answer"],
    run(ctx) {
      ctx.passages = ctx.passages.length
        ? fitBudget(ctx.passages, { maxTokens: o.maxTokens ?? 1500, perPassageMax: o.perPassageMax ?? 400, overheadTokens: o.overheadTokens ?? 12 })
        : [];
      ctx.sources = citationSources(ctx.passages, o.snippetChars);
    },
  };
}
