/**
 * The files the CLI ingests, each with its document identity (`sourceId`): the path relative to the folder
 * given on the command line (`docs/a/stores.csv` given as `docs` is `a/stores.csv`), or the file name for a
 * file given directly. An HTTP upload with the same `sourceId` replaces the same document.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, extname, join, relative, resolve, sep } from "node:path";

export const SUPPORTED = new Set([".pdf", ".md", ".markdown", ".html", ".htm", ".txt", ".text", ".json", ".csv"]);

export interface CollectedFile {
  path: string;
  sourceId: string;
}

export function collectFiles(paths: string[], onMissing: (p: string) => void = () => {}): CollectedFile[] {
  const out: CollectedFile[] = [];
  const walk = (p: string, root: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const n of readdirSync(p).sort()) if (!n.startsWith(".")) walk(join(p, n), root);
    } else if (SUPPORTED.has(extname(p).toLowerCase())) {
      out.push({ path: p, sourceId: p === root ? basename(p) : relative(root, p).split(sep).join("/") });
    }
  };
  for (const p of paths) {
    try {
      const abs = resolve(p);
      walk(abs, abs);
    } catch {
      onMissing(p);
    }
  }
  return out;
}
