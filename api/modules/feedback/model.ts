import { t } from "elysia";

export const MAX_COMMENT_CHARS = 2000;

export const feedbackParams = t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) });

export const feedbackBody = t.Object({
  rating: t.Union([t.Literal("up"), t.Literal("down")], { description: "Thumbs up or down" }),
  comment: t.Optional(t.String({ description: `Optional remark (at most ${MAX_COMMENT_CHARS} characters)` })),
});

export type FeedbackBody = typeof feedbackBody.static;
