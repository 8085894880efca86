import { Scalar } from "@scalar/hono-api-reference";
import type { AdminEnv } from "./env";

/**
 * Where the interactive reference's script is served from: a static asset copied
 * from @scalar/api-reference by scripts/copy-assets.mjs (see `[assets]` in
 * wrangler.toml), outside /admin because it is a public library, not an endpoint.
 */
export const scalarScriptPath = "/_assets/scalar/standalone.js";

/**
 * GET /admin/docs: the Scalar API reference for the admin OpenAPI document. The
 * page loads nothing from another origin: the script is our own asset, fonts,
 * telemetry, the AI agent and the request proxy are off.
 */
export const docsPage = Scalar<AdminEnv>({
  url: "/admin/v1/openapi.json",
  cdn: scalarScriptPath,
  pageTitle: "Switchboard admin API",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  hideClientButton: true,
});
