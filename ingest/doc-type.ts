/** Guesses a document type from its name and format when the caller gives none. */
const RULES: [RegExp, string][] = [
  [/faq|questions/i, "faq"],
  [/manual|guide|handbook|instructions/i, "manual"],
  [/polic|terms|conditions|warranty|refund|return|shipping|privacy/i, "policy"],
];

export function guessDocType(name: string, format: string): string {
  if (format === "csv") return "data";
  for (const [re, type] of RULES) if (re.test(name)) return type;
  return "document";
}
