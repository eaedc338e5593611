/** Credentials for benches that start the API as its own process: the first admin's, set through the environment. */
export const BENCH_ADMIN_ENV = { ADMIN_USERNAME: "bench-admin", ADMIN_PASSWORD: "bench-admin-password-0" };

/** Signs in as the bench admin; returns the Authorization header. */
export async function loginHeaders(base: string): Promise<{ authorization: string }> {
  const res = await fetch(`${base}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: BENCH_ADMIN_ENV.ADMIN_USERNAME, password: BENCH_ADMIN_ENV.ADMIN_PASSWORD }),
  });
  if (!res.ok) throw new Error(`bench login failed: HTTP ${res.status} ${await res.text()} (a DATA_DIR from before accounts has another admin: rebuild it)`);
  return { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
}
