# The API tier: Bun running api/server.ts. Generation runs elsewhere (vLLM / Ollama / a remote endpoint via
# LLM_BASE_URLS); without it the API answers with the embedded extractive generator. The same image runs the
# inference simulator for load tests (docker-compose.yml, profile "loadtest").
#
#   docker build -t cs-api .
#   docker run -p 3000:3000 -v cs-data:/data cs-api

# --- dependencies: npm ci against the lock file (production only) -------------------------------------------
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime --------------------------------------------------------------------------------------------------
FROM oven/bun:1 AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    EMBEDDINGS_CACHE_DIR=/data/cache/embeddings \
    BUN_CONFIG_MAX_HTTP_REQUESTS=4096
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json bunfig.toml ./
COPY core ./core
COPY ingest ./ingest
COPY inference ./inference
COPY api ./api
RUN mkdir -p /data && chown -R bun:bun /data
USER bun
VOLUME ["/data"]
EXPOSE 3000
# /v1/health answers 200 when ok or degraded (e.g. no LLM backend reachable yet) and 503 when a store is down.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/v1/health').then(r => process.exit(r.status < 500 ? 0 : 1), () => process.exit(1))"]
CMD ["bun", "run", "api/server.ts"]
