import { t } from "elysia";

const username = t.String({ minLength: 1, maxLength: 128, description: "The account's username" });
const tenant = t.Optional(t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$", description: "The tenant (default: DEFAULT_TENANT)" }));

export const loginBody = t.Object({ username, password: t.String({ minLength: 1, maxLength: 256 }), tenant });
export const refreshBody = t.Object({ refreshToken: t.String({ minLength: 1, maxLength: 512 }) });
export const widgetBody = t.Optional(t.Object({ tenant }));

export const tokensResponse = t.Object({
  token: t.String({ description: "Access token (JWT); send as Authorization: Bearer" }),
  refreshToken: t.String({ description: "Single use: trade it at /v1/auth/refresh for a new pair; a reused one signs the family out" }),
  expiresIn: t.Integer({ description: "Seconds the access token is valid" }),
  tokenType: t.Literal("Bearer"),
});
