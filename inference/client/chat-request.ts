/**
 * Turns a GenerateRequest into OpenAI chat parameters: validates it (422 LLM_BAD_REQUEST) and, when the
 * request carries passages, renders them as one numbered system message ("[1] title: text") after the
 * caller's system messages, so the model (or the simulator) can cite them by number.
 */
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { errors } from "../../core/errors";
import type { GenerateRequest } from "../../core/ports/language-model";

const ROLES = new Set(["system", "user", "assistant"]);
export const MAX_TOKENS_LIMIT = 32_768;

export interface ChatParams {
  messages: ChatCompletionMessageParam[];
  max_tokens?: number;
  temperature?: number;
}

const bad = (message: string) => errors.invalid("LLM_BAD_REQUEST", message);

export function renderPassages(passages: NonNullable<GenerateRequest["passages"]>): string {
  const lines = passages.map((p, i) => {
    const text = p.text.replace(/\s*\n\s*/g, " ").trim();
    return `[${i + 1}] ${p.title ? `${p.title.trim()}: ` : ""}${text}`;
  });
  return `Passages:\n${lines.join("\n")}`;
}

export function toChatParams(req: GenerateRequest): ChatParams {
  if (!req || !Array.isArray(req.messages) || req.messages.length === 0) throw bad("messages must be a non-empty array");
  for (const m of req.messages) {
    if (!m || !ROLES.has(m.role)) throw bad("each message role must be system, user or assistant");
    if (typeof m.content !== "string") throw bad("each message content must be a string");
  }
  if (!req.messages.some((m) => m.role === "user" && m.content.trim())) throw bad("at least one user message must have content");
  if (req.maxTokens !== undefined && (!Number.isInteger(req.maxTokens) || req.maxTokens < 1 || req.maxTokens > MAX_TOKENS_LIMIT)) {
    throw bad(`maxTokens must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`);
  }
  if (req.temperature !== undefined && (typeof req.temperature !== "number" || !(req.temperature >= 0 && req.temperature <= 2))) {
    throw bad("temperature must be a number from 0 to 2");
  }
  const messages: ChatCompletionMessageParam[] = req.messages.map((m) => ({ role: m.role, content: m.content }));
  if (req.passages !== undefined) {
    if (!Array.isArray(req.passages) || req.passages.some((p) => !p || typeof p.text !== "string" || typeof p.id !== "string")) {
      throw bad("passages must be a list of { id, text, title? }");
    }
    if (req.passages.length > 0) {
      let at = 0;
      while (at < messages.length && messages[at]!.role === "system") at++;
      messages.splice(at, 0, { role: "system", content: renderPassages(req.passages) });
    }
  }
  return {
    messages,
    ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
  };
}
