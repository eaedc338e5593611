/**
 * The files the CLI ingests (selected by select-files.ts: ignore rules, README, hidden files, --exclude), each with
 * its document identity (`sourceId`): the path relative to the folder given on the command line
 * (`docs/a/stores.csv` given as `docs` is `a/stores.csv`), or the file name for a file given directly. An HTTP
 * upload with the same `sourceId` replaces the same document.
 */
import { basename, relative, resolve, sep } from "node:path";
import { selectFiles, type SelectOptions, type SkippedFile } from "./select-files";

export interface CollectedFile {
  path: string;
  sourceId: string;
}

export function collectFiles(paths: string[], opts: SelectOptions = {}): { files: CollectedFile[]; skipped: SkippedFile[] } {
  const files: CollectedFile[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const root = resolve(p);
    const sel = selectFiles([p], opts);
    skipped.push(...sel.skipped);
    for (const path of sel.files) {
      if (seen.has(path)) continue;
      seen.add(path);
      files.push({ path, sourceId: path === root ? basename(path) : relative(root, path).split(sep).join("/") });
    }
  }
  return { files, skipped };
}
