/**
 * One webhook attempt: a POST to the receiver's URL under the same address policy as URL ingestion
 * (ingest/fetch/address-policy.ts, safe-fetch.ts): the host is resolved and every address checked, and the
 * request goes to the checked address (no DNS rebinding between check and request). Redirects are not followed
 * (a receiver answers where it was configured). One time limit covers DNS, connect, headers and body.
 */
import { AppError } from "../../core/errors";
import type { AddressPolicy } from "../../ingest/fetch/address-policy";
import { checkUrl } from "../../ingest/fetch/address-policy";
import { checkedAddress, pinnedRequest, systemResolver, type Resolver } from "../../ingest/fetch/safe-fetch";

export interface WebhookPostOptions {
  policy: AddressPolicy;
  timeoutMs: number;
  fetch?: typeof fetch;
  resolve?: Resolver;
  /** Aborts the attempt (shutdown). */
  signal?: AbortSignal;
}

/** The outcome of one attempt: delivered (2xx), or why not. Never throws. */
export type PostOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string; aborted?: boolean };

const MAX_ERROR_BODY = 200;

export async function postWebhook(rawUrl: string, body: string, headers: Record<string, string>, o: WebhookPostOptions): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
  try {
    const url = checkUrl(rawUrl, o.policy);
    const address = await checkedAddress(url, o.policy, o.resolve ?? systemResolver, signal);
    const { target, headers: pinned, tls } = pinnedRequest(url, address);
    const init = {
      method: "POST",
      body,
      signal,
      redirect: "manual",
      headers: { "content-type": "application/json", "user-agent": "deskpilot-webhooks/1", ...headers, ...pinned },
      ...(tls ? { tls } : {}),
    } as RequestInit;
    const res = await (o.fetch ?? fetch)(target, init);
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel().catch(() => {});
      return { ok: true, status: res.status };
    }
    const text = (await res.text().catch(() => "")).slice(0, MAX_ERROR_BODY).replace(/\s+/g, " ").trim();
    const why = res.status >= 300 && res.status < 400 ? `redirect not followed (HTTP ${res.status})` : `HTTP ${res.status}`;
    return { ok: false, status: res.status, error: text ? `${why}: ${text}` : why };
  } catch (e) {
    if (o.signal?.aborted) return { ok: false, status: null, error: "stopped (shutdown)", aborted: true };
    if (timeout.aborted || (e as Error)?.name === "TimeoutError") return { ok: false, status: null, error: `no answer within ${o.timeoutMs} ms (WEBHOOK_TIMEOUT_MS)` };
    if (e instanceof AppError) return { ok: false, status: null, error: `${e.code}: ${e.message}` };
    // By its code only: the message of a pinned request names the address it went to.
    const code = (e as { code?: unknown })?.code;
    return { ok: false, status: null, error: `network error: ${typeof code === "string" && code ? code : "connection failed"}` };
  }
}
