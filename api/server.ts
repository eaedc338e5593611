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
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    await app.stop();
    await services.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

await main();
