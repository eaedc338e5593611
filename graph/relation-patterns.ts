/**
 * Typed relations from the words between two entity mentions of one sentence. Generic English verb patterns
 * (covers, excludes, includes, requires, ships to, works with, replaces, costs, lasts), tried in order; two
 * mentions with none of them between them are `related_to` (they share a sentence). Not fitted to any
 * question set: the list is what a support knowledge base states about products, plans and policies.
 */
export interface RelationPattern {
  type: string;
  test: RegExp;
}

export const RELATION_PATTERNS: readonly RelationPattern[] = [
  { type: "excludes", test: /\b(?:not covered|does not cover|do not cover|doesn't cover|don't cover|exclud\w*|except|void\w*)\b/i },
  { type: "covers", test: /\b(?:cover\w*|protect\w*|warrant\w*|guarantee\w*)\b/i },
  { type: "includes", test: /\b(?:includ\w*|comes? with|bundled|ships? with|contains?)\b/i },
  { type: "requires", test: /\b(?:requires?|required|needs?|must have)\b/i },
  { type: "ships_to", test: /\b(?:ships? to|deliver\w* to|shipping to|available in)\b/i },
  { type: "works_with", test: /\b(?:compatible with|works? with|supports?|pairs? with|connects? to)\b/i },
  { type: "replaces", test: /\b(?:replac\w*|exchang\w*|swap\w*)\b/i },
  { type: "costs", test: /\b(?:costs?|priced at|fee of|charge of|for \$)\b/i },
  { type: "lasts", test: /\b(?:within|lasts?|valid for|up to|for)\b/i },
  { type: "part_of", test: /\b(?:part of|one of|member of|belongs? to)\b/i },
];

/** The relation type the words between two mentions state; "related_to" when none does. */
export function relationBetween(between: string, targetType?: string): string {
  const words = between.trim();
  // Long stretches between two mentions rarely state a relation between exactly these two.
  if (words.split(/\s+/).length <= 12) {
    for (const p of RELATION_PATTERNS) {
      // "for"/"within" only relate something to a time span.
      if (p.type === "lasts" && targetType !== "time_span") continue;
      if (p.test.test(words)) return p.type;
    }
  }
  return "related_to";
}
