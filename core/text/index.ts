export * from "./normalize";
export * from "./tokenize";
export * from "./sentences";
export * from "./stem";
export * from "./redact-url";
