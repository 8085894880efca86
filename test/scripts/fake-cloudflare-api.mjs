// A local stand-in for the part of the Cloudflare REST API (v4) that `npm run deploy`
// calls, as strict as the documented API: a Bearer token is required, every answer
// has the v4 envelope, and a name that is taken is refused rather than created twice.
//   envelope and auth: https://developers.cloudflare.com/fundamentals/api/how-to/make-api-calls/
//   D1:      https://developers.cloudflare.com/api/resources/d1/subresources/database/methods/list/ (and /create/)
//   KV:      https://developers.cloudflare.com/api/resources/kv/subresources/namespaces/methods/list/ (and /create/)
//   Queues:  https://developers.cloudflare.com/api/resources/queues/methods/list/ (and /create/)
//   R2:      https://developers.cloudflare.com/api/resources/r2/subresources/buckets/methods/get/ (and /create/)
//   Secrets: https://developers.cloudflare.com/api/resources/workers/subresources/scripts/subresources/secrets/methods/list/
// The exact error codes for a taken name are not in those pages; the fake answers
// 409 for each (what matters is that it refuses).
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

const ok = (result, extra = {}) => ({ success: true, errors: [], messages: [], result, ...extra });
const fail = (code, message) => ({ success: false, errors: [{ code, message }], messages: [], result: null });

/**
 * @param {{ token: string, accountId: string, state?: { d1?: object[], kv?: object[], queues?: object[], r2?: object[],
 *   secrets?: Record<string, object[]> } }} options
 */
export async function startFakeCloudflareApi({ token, accountId, state = {} }) {
  const account = {
    d1: state.d1 ?? [], // { name, uuid }
    kv: state.kv ?? [], // { title, id }
    queues: state.queues ?? [], // { queue_name, queue_id }
    r2: state.r2 ?? [], // { name }
    secrets: state.secrets ?? {}, // script -> [{ name, type }]
  };
  const calls = [];
  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url, "http://fake");
    calls.push({ method: req.method, path: url.pathname + url.search });
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(403, fail(10000, "Authentication error"));
    const prefix = `/client/v4/accounts/${accountId}`;
    if (!url.pathname.startsWith(prefix)) return send(403, fail(10000, "Authentication error"));
    const route = `${req.method} ${url.pathname.slice(prefix.length)}`;
    const body = raw ? JSON.parse(raw) : {};

    if (route === "GET /d1/database") {
      const name = url.searchParams.get("name");
      // The `name` filter matches part of a name, so the client must pick the exact one.
      const found = account.d1.filter((db) => !name || db.name.includes(name));
      return send(200, ok(found, { result_info: { page: 1, per_page: 100, count: found.length, total_count: found.length } }));
    }
    if (route === "POST /d1/database") {
      if (typeof body.name !== "string" || body.name === "") return send(400, fail(7400, "name is required"));
      if (account.d1.some((db) => db.name === body.name)) return send(409, fail(7502, "A database with that name already exists"));
      const db = { name: body.name, uuid: randomUUID() };
      account.d1.push(db);
      return send(200, ok(db));
    }
    if (route === "GET /storage/kv/namespaces") {
      const perPage = Number(url.searchParams.get("per_page") ?? 20);
      const page = Number(url.searchParams.get("page") ?? 1);
      const slice = account.kv.slice((page - 1) * perPage, page * perPage);
      const totalPages = Math.max(1, Math.ceil(account.kv.length / perPage));
      return send(200, ok(slice, { result_info: { page, per_page: perPage, count: slice.length, total_count: account.kv.length, total_pages: totalPages } }));
    }
    if (route === "POST /storage/kv/namespaces") {
      if (typeof body.title !== "string" || body.title === "") return send(400, fail(10019, "title is required"));
      if (account.kv.some((ns) => ns.title === body.title)) return send(409, fail(10014, "A namespace with this account ID and title already exists"));
      const ns = { id: randomUUID().replaceAll("-", ""), title: body.title };
      account.kv.push(ns);
      return send(200, ok(ns));
    }
    if (route === "GET /queues") return send(200, ok(account.queues));
    if (route === "POST /queues") {
      if (typeof body.queue_name !== "string" || body.queue_name === "") return send(400, fail(11003, "queue_name is required"));
      if (account.queues.some((q) => q.queue_name === body.queue_name)) return send(409, fail(11009, "Queue name already taken"));
      const queue = { queue_name: body.queue_name, queue_id: randomUUID().replaceAll("-", "") };
      account.queues.push(queue);
      return send(200, ok(queue));
    }
    const bucket = /^GET \/r2\/buckets\/([^/]+)$/.exec(route);
    if (bucket) {
      const found = account.r2.find((b) => b.name === decodeURIComponent(bucket[1]));
      return found ? send(200, ok(found)) : send(404, fail(10006, "The specified bucket does not exist."));
    }
    if (route === "POST /r2/buckets") {
      if (account.r2.some((b) => b.name === body.name)) return send(409, fail(10004, "The bucket you tried to create already exists, and you own it."));
      account.r2.push({ name: body.name });
      return send(200, ok({ name: body.name }));
    }
    const secrets = /^GET \/workers\/scripts\/([^/]+)\/secrets$/.exec(route);
    if (secrets) {
      const list = account.secrets[decodeURIComponent(secrets[1])];
      return list ? send(200, ok(list)) : send(404, fail(10007, "This Worker does not exist on your account."));
    }
    return send(404, fail(7003, `No route for that URI: ${route}`));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    base: `http://127.0.0.1:${port}/client/v4`,
    account,
    calls,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
