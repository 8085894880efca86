import { Scalar } from "@scalar/hono-api-reference";
import type { MiddlewareHandler } from "hono";
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
const scalarPage = Scalar<AdminEnv>({
  url: "/admin/v1/openapi.json",
  cdn: scalarScriptPath,
  pageTitle: "Switchboard admin API",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  hideClientButton: true,
});

const encoder = new TextEncoder();
/** Hash sources of inline scripts, by script text: the page's script is the same on every request. */
const hashes = new Map<string, string>();

async function hashSource(script: string): Promise<string> {
  let source = hashes.get(script);
  if (source === undefined) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(script)));
    source = `'sha256-${btoa(String.fromCharCode(...digest))}'`;
    if (hashes.size < 16) hashes.set(script, source);
  }
  return source;
}

/**
 * The page's policy: scripts only from this origin plus, by hash, the inline one
 * that starts the reference (taken from the page itself, so a Scalar upgrade that
 * changes it keeps working); requests only to this origin; never framed. Styles
 * may be inline: the reference sets them from its script and in style attributes,
 * and a style cannot run code.
 */
export async function docsPolicy(html: string): Promise<string> {
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? "");
  const scriptSources = await Promise.all(inline.map(hashSource));
  return [
    "default-src 'self'",
    `script-src 'self' ${scriptSources.join(" ")}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join("; ");
}

export const docsPage: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const page = await scalarPage(c, next);
  if (!page) return;
  const html = await page.text();
  const headers = new Headers(page.headers);
  headers.set("content-security-policy", await docsPolicy(html));
  headers.set("x-frame-options", "DENY");
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "no-referrer");
  headers.set("cache-control", "no-store");
  return new Response(html, { status: page.status, headers });
};
