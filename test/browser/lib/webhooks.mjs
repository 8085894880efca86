// Signed webhooks and admin API calls from Node, for the browser tests' data.
import { createHmac, randomUUID } from "node:crypto";

/** A Standard Webhooks secret (`whsec_` + base64 of the key). */
export const websiteSecret = `whsec_${Buffer.from("browser-test-website-secret-0123").toString("base64")}`;

/** Posts `payload` to /in/{sourceId}, signed as Standard Webhooks specifies (or with a wrong signature). */
export async function sendSigned(base, sourceId, payload, { secret = websiteSecret, forge = false } = {}) {
  const body = JSON.stringify(payload);
  const id = `msg_${randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const signature = createHmac("sha256", forge ? Buffer.from("not-the-key") : key)
    .update(`${id}.${timestamp}.${body}`)
    .digest("base64");
  return fetch(`${base}/in/${sourceId}`, {
    method: "POST",
    headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${signature}` },
    body,
  });
}

export function adminApi(base, token) {
  return async (method, path, body) => {
    const response = await fetch(`${base}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  };
}

/** Polls until `check()` returns a truthy value; returns it. */
export async function eventually(check, { timeoutMs = 30_000, everyMs = 250, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
