// A small client for the gateway's admin API (/admin/v1), shared by the demo and the
// e2e suite. List calls follow `nextCursor` so callers always see every item.

export class AdminError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} answered ${status}: ${typeof body === "string" ? body : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** @param {string} base e.g. http://127.0.0.1:8787  @param {string} token the admin token */
export function adminApi(base, token) {
  async function call(method, path, body) {
    const response = await fetch(`${base}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    if (!response.ok) throw new AdminError(method, path, response.status, json);
    return json;
  }

  async function allPages(path, params = {}) {
    const items = [];
    let cursor;
    do {
      const query = new URLSearchParams({ ...params, limit: "200", ...(cursor ? { cursor } : {}) });
      const page = await call("GET", `${path}?${query}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  return {
    getConfig: () => call("GET", "/config"),
    putConfig: (document) => call("PUT", "/config", document),
    stats: () => call("GET", "/stats"),
    owners: () => call("GET", "/owners"),
    /** Sets an owner away at runtime: `{ until, from?, reason? }`. */
    setOwnerAway: (id, body) => call("PUT", `/owners/${encodeURIComponent(id)}/away`, body),
    event: (id) => call("GET", `/events/${encodeURIComponent(id)}`),
    /** Routes the event again as a new one (`replayOf`); answers `{ id, replayOf, sourceId, status }`. */
    replay: (id) => call("POST", `/events/${encodeURIComponent(id)}/replay`),
    /** Every event matching the filters (`status`, `source`, …), newest first. */
    events: (filters = {}) => allPages("/events", filters),
    /** Every dead letter of a kind (`delivery` or `routing`). */
    deadLetters: (kind = "delivery") => allPages("/dead-letters", { kind }),
  };
}
