/**
 * The document size limit, enforced while a loader reads: the loader collects its sections in a list made by
 * sectionList(limit), whose push throws 413 DOCUMENT_TOO_LARGE as soon as the text (sections joined by "\n\n",
 * counted before normalisation) passes limit.maxChars, so an oversize file stops early instead of being read to
 * its end. loadDocument checks the normalised text against the same limit again at the end.
 */
import { errors } from "../../core/errors";
import type { LoadedSection } from "../types";

export interface TextLimit {
  maxChars: number;
}

export const documentTooLarge = (max: number) =>
  errors.tooLarge("DOCUMENT_TOO_LARGE", `the document has more than ${max} characters of text; split it into smaller files`);

/** A section list that refuses to grow past the limit (a plain array when there is none). */
export function sectionList(limit?: TextLimit): LoadedSection[] {
  const list: LoadedSection[] = [];
  if (!limit) return list;
  let chars = 0;
  list.push = (...items: LoadedSection[]) => {
    for (const s of items) {
      chars += s.text.length + (chars > 0 ? 2 : 0);
      if (chars > limit.maxChars) throw documentTooLarge(limit.maxChars);
    }
    return Array.prototype.push.apply(list, items);
  };
  return list;
}
