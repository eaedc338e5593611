/**
 * The API docs page, served from this process: the Swagger UI files come from the `swagger-ui-dist` npm package
 * (no CDN: this product's users are often offline by choice). It answers GET /swagger (and /swagger/) and
 * /swagger/assets/* before routing, so the swagger plugin's own page (which loads its script from a public CDN)
 * is never served; the plugin still generates the OpenAPI document at /swagger/json.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Elysia } from "elysia";

const DIST = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

function cleanQuery(search: string): boolean {
  try {
    return !decodeURIComponent(search).includes("\u0000");
  } catch {
    return false;
  }
}

export function docsPage(o: { path?: string; specPath?: string; title?: string } = {}) {
  const path = o.path ?? "/swagger";
  const specPath = o.specPath ?? `${path}/json`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${(o.title ?? "API").replace(/[<>&"]/g, "")}</title>
<link rel="stylesheet" href="${path}/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="${path}/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${path}/assets/swagger-ui-bundle.js"></script>
<script src="${path}/assets/init.js"></script>
</body>
</html>
`;
  const init = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specPath)}, dom_id: "#swagger-ui", deepLinking: true });\n`;
  return new Elysia({ name: "docs-page" }).onRequest(({ request }) => {
    if (request.method !== "GET" && request.method !== "HEAD") return;
    const url = new URL(request.url);
    // A query the edge checks would refuse (a NUL, broken escapes) goes through routing, which refuses it.
    if (url.search && !cleanQuery(url.search)) return;
    if (url.pathname === path || url.pathname === `${path}/`) {
      return new Response(html, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" } });
    }
    if (!url.pathname.startsWith(`${path}/assets/`)) return;
    const name = url.pathname.slice(path.length + "/assets/".length);
    if (name === "init.js") return new Response(init, { headers: { "content-type": "text/javascript; charset=utf-8" } });
    const type = ASSETS[name];
    if (!type) return new Response(JSON.stringify({ error: { code: "ROUTE_NOT_FOUND", message: `no asset '${name}'` } }), { status: 404, headers: { "content-type": "application/json; charset=utf-8" } });
    return new Response(Bun.file(join(DIST, name)), { headers: { "content-type": type, "cache-control": "public, max-age=86400" } });
  });
}
