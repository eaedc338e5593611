/** POST /v1/search: the retrieval test page's API. Validates the query, runs hybrid retrieval, shapes passages. */
import { errors } from "../../../core/errors";
import type { Services } from "../../services";
import type { SearchBody } from "./model";

export async function search(services: Services, body: SearchBody, tenantId: string) {
  const query = body.query.trim();
  if (!query) throw errors.invalid("QUERY_EMPTY", "query must not be empty");
  const max = services.config.limits.maxQueryChars;
  if (query.length > max) throw errors.invalid("QUERY_TOO_LONG", `query is ${query.length} characters; the limit is ${max}`);
  const res = await services.retriever.retrieve({
    query,
    k: body.k ?? services.config.retrieval.defaultK,
    // The caller's tenant last: no filter field can widen the search to another tenant.
    filter: { ...(body.filters ?? {}), ...services.tenantFilter(tenantId) },
    channels: body.channels,
    fusion: body.fusion ? { method: body.fusion } : undefined,
  });
  return {
    query,
    passages: res.passages.map((p, i) => ({
      rank: i + 1,
      chunkId: p.chunkId,
      documentId: p.documentId,
      title: p.title,
      page: p.page,
      sectionPath: p.sectionPath,
      text: p.text,
      charStart: p.charStart,
      charEnd: p.charEnd,
      docType: p.docType,
      source: p.source,
      score: p.score,
      /** The channels that found it, best rank first. */
      channels: Object.keys(p.ranks).sort((a, b) => p.ranks[a]! - p.ranks[b]! || a.localeCompare(b)),
      ranks: p.ranks,
      channelScores: p.channelScores ?? {},
      evidence: p.evidence ?? {},
    })),
    channels: res.channels,
    tookMs: res.tookMs,
  };
}
