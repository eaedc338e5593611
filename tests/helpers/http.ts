/**
 * JSON calls through `app.handle` (no network) for the integration suites: a bearer token when given, a JSON body
 * (a string is sent as is, so a suite can send malformed JSON), extra headers. `app` is a getter because suites
 * create the app in beforeAll.
 */
export type Json = Record<string, any>;

export function jsonCalls(app: () => { handle(request: Request): Response | Promise<Response> }) {
  const call = (method: string, path: string, token?: string | null, body?: unknown, headers: Record<string, string> = {}) =>
    app().handle(
      new Request(`http://localhost${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      }),
    );
  const json = async (r: Response) => (await r.json()) as Json;
  return { call, json };
}
