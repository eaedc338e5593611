export { createEmbedder, type CreateEmbedderDeps } from "./create-embedder";
export { LocalEmbedder, unfittedState, type LocalEmbedderOptions, type LocalEmbedderState } from "./local-embedder";
export { OpenAIEmbedder, type EmbeddingsClient, type OpenAIEmbedderOptions } from "./openai-embedder";
export {
  GloveStore,
  convertGloveJson,
  defaultGloveSource,
  encodeGlove,
  ensureGloveBinary,
  gloveBinaryPath,
  isGloveBinaryValid,
  loadGlove,
  type EnsureGloveOptions,
} from "./glove-store";
