/** Data the guardrail benches read: the project's attack set (tests/fixtures) and the shared benign query sets. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";

export interface Attack { id: string; base: number; family: string; style: string; split: "tune" | "report"; text: string; turns?: string[] }

const ROOT = join(import.meta.dir, "..", "..");
export const DATASETS = join(ROOT, "..", "shared", "datasets");

export const attacks = (): Attack[] => JSON.parse(readFileSync(join(ROOT, "tests", "fixtures", "guardrails", "attacks.json"), "utf8"));

const csv = (path: string): Record<string, string>[] => parse(readFileSync(path), { columns: true });

/** Every query of banking77 (train and test) and of bitext-customer-support (its `instruction` column). */
export function benignQueries(): { banking77: string[]; bitext: string[] } {
  return {
    banking77: [...csv(join(DATASETS, "banking77", "train.csv")), ...csv(join(DATASETS, "banking77", "test.csv"))].map((r) => r.text!),
    bitext: csv(join(DATASETS, "bitext-customer-support", "Bitext_Sample_Customer_Support_Training_Dataset.csv")).map((r) => r.instruction!),
  };
}

/** Questions from another domain (Quora, gptcache-qqp): the benign side of the threshold tuning, never reported. */
export function tuningBenign(n = 3000): string[] {
  const rows: { origin: string }[] = JSON.parse(readFileSync(join(DATASETS, "gptcache-qqp", "similiar_qqp.json"), "utf8"));
  return rows.slice(0, n).map((r) => r.origin);
}
