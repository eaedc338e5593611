/** Starts the API: parses config, opens the stores (ingesting the sample knowledge base on first start), listens. */
import { ConfigError, loadConfig } from "../core/config";
import { isAppError } from "../core/errors";
import { createLogger } from "../core/logger";
import { createApp, serveOptions } from "./app";
import { createServices } from "./services";

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const t = performance.now();
  let services;
  try {
    services = await createServices(config);
  } catch (e) {
    if (!isAppError(e)) throw e;
    console.error(`cannot start: ${e.code}: ${e.message}`);
    process.exit(1);
  }
  const app = createApp(services).listen({ hostname: config.host, port: config.port, ...serveOptions(config) });
  const logger = createLogger(config.logLevel);
  logger.info(
    `listening on http://${config.host}:${app.server?.port} (store: ${services.stores.database.kind}, embedder: ${services.stores.embedder.current().id}; ready in ${Math.round(performance.now() - t)} ms). OpenAPI: /swagger`,
  );
  // Stop: refuse new connections, abort running ingestion (its workers are terminated and its new version
  // removed), close the stores; past SHUTDOWN_TIMEOUT_MS the process exits anyway, and a second signal exits at once.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    const limit = config.limits.shutdownTimeoutMs;
    logger.info(`${signal}: shutting down (at most ${limit} ms)`);
    const timer = setTimeout(() => {
      logger.warn(`shutdown did not finish within ${limit} ms: exiting`);
      process.exit(1);
    }, limit);
    void (async () => {
      try {
        await app.stop(true);
        await services.close();
      } catch (e) {
        logger.error(`shutdown: ${(e as Error).message}`);
      }
      clearTimeout(timer);
      process.exit(0);
    })();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

await main();
