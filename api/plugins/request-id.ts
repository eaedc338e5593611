/** Every response carries x-request-id (the caller's when it sent a sane one, else a new one). */
import { Elysia } from "elysia";

const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestIdPlugin = new Elysia({ name: "request-id" })
  .derive({ as: "global" }, ({ request }) => {
    const given = request.headers.get("x-request-id");
    return { requestId: given && SANE.test(given) ? given : crypto.randomUUID() };
  })
  .onAfterHandle({ as: "global" }, ({ requestId, set }) => {
    set.headers["x-request-id"] = requestId;
  });
