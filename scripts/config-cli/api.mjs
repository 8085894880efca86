// The gateway's admin API, as the CLI uses it.
import os from "node:os";
import { CliError } from "./files.mjs";

export function apiSettings(args) {
  const url = (args.url ?? process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  const token = process.env.SWITCHBOARD_ADMIN_TOKEN ?? process.env.ADMIN_TOKEN;
  return { url, token };
}

/**
 * @param {{ url: string, token?: string }} settings
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, headers?: Record<string, string> }} [init] `body` is sent as JSON
 */
async function call(settings, method, path, { body, headers = {} } = {}) {
  if (!settings.token) throw new CliError("Set SWITCHBOARD_ADMIN_TOKEN (or ADMIN_TOKEN) to the gateway's admin token.");
  let response;
  try {
    response = await fetch(`${settings.url}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${settings.token}`,
        "x-switchboard-actor": `${os.userInfo().username}@config-cli`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`Cannot reach ${settings.url}: ${error.cause?.message ?? error.message}`);
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  return { status: response.status, etag: response.headers.get("etag"), json };
}

/** The active document (secrets masked) and its version. */
export async function fetchConfig(settings) {
  const { status, etag, json } = await call(settings, "GET", "/config");
  if (status !== 200) throw problemError(status, json);
  return { document: json, version: Number(etag?.replaceAll('"', "") ?? 0) };
}

/** PUT /config with If-Match; resolves to the server's answer, or throws with its problems. */
export async function putConfig(settings, document, version) {
  const { status, json } = await call(settings, "PUT", "/config", { body: document, headers: { "if-match": `"${version}"` } });
  if (status !== 200) throw problemError(status, json);
  return json;
}

/**
 * POST /config/rekey until the history is done (the gateway re-seals up to 200
 * entries per call); resolves to the totals.
 */
export async function rekeyConfig(settings) {
  const totals = { rekeyed: 0, unchanged: 0, unreadable: [], calls: 0 };
  let cursor;
  do {
    const { status, json } = await call(settings, "POST", "/config/rekey", { body: cursor ? { cursor } : {} });
    if (status !== 200) throw problemError(status, json);
    totals.rekeyed += json.rekeyed;
    totals.unchanged += json.unchanged;
    totals.unreadable.push(...json.unreadable);
    totals.calls += 1;
    cursor = json.nextCursor;
  } while (cursor);
  return totals;
}

function problemError(status, problem) {
  const lines = [`${status} ${problem?.title ?? "error"}: ${problem?.detail ?? ""}`.trim()];
  for (const p of problem?.problems ?? []) lines.push(`  ${p.pointer || "/"}${p.in ? ` (${p.in})` : ""}: ${p.message}`);
  return new CliError(lines.join("\n"));
}
