import { Elysia } from "elysia";
import { scopeOf } from "../../auth/principal";
import { authPlugin } from "../../plugins/auth";
import type { Services } from "../../services";
import { WsSession, type OutFrame } from "./service";

/** WebSocket /v1/ws: the answer events both ways (see service.ts for the frames), with a ping heartbeat. */
export const wsModule = (services: Services) => {
  const sessions = new Map<string, { session: WsSession; heartbeat: ReturnType<typeof setInterval> }>();
  return new Elysia({ name: "module:ws" }).use(authPlugin(services.auth)).ws("/v1/ws", {
    open(ws) {
      const send = (frame: OutFrame) => {
        if (ws.readyState === 1) ws.send(JSON.stringify(frame));
      };
      const session = new WsSession(services, scopeOf(ws.data.auth), send);
      const heartbeat = setInterval(() => send({ type: "ping", ts: Date.now() }), services.config.streaming.heartbeatMs);
      sessions.set(ws.id, { session, heartbeat });
    },
    async message(ws, message) {
      await sessions.get(ws.id)?.session.handle(message);
    },
    close(ws) {
      const entry = sessions.get(ws.id);
      if (!entry) return;
      clearInterval(entry.heartbeat);
      entry.session.close();
      sessions.delete(ws.id);
    },
    detail: { tags: ["conversations"], summary: "WebSocket: ask, cancel, resume; the same events as SSE as JSON frames" },
  });
};
