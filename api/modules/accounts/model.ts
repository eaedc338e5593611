import { t } from "elysia";

const role = t.Union([t.Literal("customer"), t.Literal("agent"), t.Literal("admin")], { description: "customer | agent | admin" });
const email = t.String({ format: "email", maxLength: 254 });
const page = { limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })), offset: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000 })) };

export const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 128 }) });
export const pageQuery = t.Object(page);

export const createUserBody = t.Object({
  username: t.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._@+-]+$" }),
  password: t.String({ minLength: 1, maxLength: 256, description: "At least 10 characters" }),
  role,
  email: t.Optional(t.Union([email, t.Null()], { description: "A customer's email links the account to its orders" })),
});

export const patchUserBody = t.Object({
  role: t.Optional(role),
  password: t.Optional(t.String({ minLength: 1, maxLength: 256 })),
  email: t.Optional(t.Union([email, t.Null()])),
  disabled: t.Optional(t.Boolean()),
});

export const createTokenBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 128 }),
  role,
  expiresInDays: t.Optional(t.Integer({ minimum: 1, maximum: 3650 })),
});

export const auditQuery = t.Object({
  ...page,
  action: t.Optional(t.String({ maxLength: 64 })),
  actorId: t.Optional(t.String({ maxLength: 128 })),
  since: t.Optional(t.String({ format: "date-time" })),
  until: t.Optional(t.String({ format: "date-time" })),
});

export const createTenantBody = t.Object({
  id: t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" }),
  name: t.String({ minLength: 1, maxLength: 200 }),
  adminUsername: t.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._@+-]+$" }),
  adminPassword: t.String({ minLength: 1, maxLength: 256 }),
});

export type PatchUserBody = typeof patchUserBody.static;
