// A small client for the Cloudflare REST API (v4), for the calls `npm run deploy`
// makes to find and create the gateway's resources. Every answer has the v4 envelope
// { success, errors, messages, result, result_info }
// (https://developers.cloudflare.com/fundamentals/api/how-to/make-api-calls/).
// The base URL honours CLOUDFLARE_API_BASE_URL, as wrangler does.

export const defaultApiBase = "https://api.cloudflare.com/client/v4";

export class CloudflareApiError extends Error {
  /** @param {string} message @param {number} status @param {{ code: number, message: string }[]} errors */
  constructor(message, status, errors) {
    super(message);
    this.name = "CloudflareApiError";
    this.status = status;
    this.errors = errors;
  }
}

/**
 * @param {{ token: string, accountId: string, base?: string, fetchImpl?: typeof fetch }} options
 */
export function cloudflareApi({ token, accountId, base = defaultApiBase, fetchImpl = fetch }) {
  const accountPath = `${base.replace(/\/$/, "")}/accounts/${encodeURIComponent(accountId)}`;

  /** @param {string} method @param {string} path @param {unknown} [body] */
  async function call(method, path, body) {
    const response = await fetchImpl(`${accountPath}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let envelope;
    try {
      envelope = JSON.parse(text);
    } catch {
      throw new CloudflareApiError(`${method} ${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`, response.status, []);
    }
    if (!response.ok || envelope.success !== true) {
      const errors = Array.isArray(envelope.errors) ? envelope.errors : [];
      const said = errors.map((e) => `${e.code} ${e.message}`).join("; ") || `HTTP ${response.status}`;
      throw new CloudflareApiError(`${method} ${path}: ${said}`, response.status, errors);
    }
    return envelope;
  }

  return {
    /** @param {string} name @returns {Promise<string | undefined>} the database's uuid */
    async findD1(name) {
      const { result } = await call("GET", `/d1/database?name=${encodeURIComponent(name)}&per_page=100`);
      return result.find((db) => db.name === name)?.uuid;
    },
    /** @param {string} name @returns {Promise<string>} */
    async createD1(name) {
      return (await call("POST", "/d1/database", { name })).result.uuid;
    },
    /** @param {string} title @returns {Promise<string | undefined>} the namespace id */
    async findKv(title) {
      for (let page = 1; ; page++) {
        const { result, result_info: info } = await call("GET", `/storage/kv/namespaces?per_page=100&page=${page}`);
        const found = result.find((ns) => ns.title === title);
        if (found) return found.id;
        if (result.length < 100 || (info?.total_pages !== undefined && page >= info.total_pages)) return undefined;
      }
    },
    /** @param {string} title @returns {Promise<string>} */
    async createKv(title) {
      return (await call("POST", "/storage/kv/namespaces", { title })).result.id;
    },
    /** @returns {Promise<Set<string>>} queue names (the list is one page) */
    async queueNames() {
      const { result } = await call("GET", "/queues");
      return new Set(result.map((queue) => queue.queue_name));
    },
    /** @param {string} name */
    async createQueue(name) {
      await call("POST", "/queues", { queue_name: name });
    },
    /** @param {string} name @returns {Promise<boolean>} */
    async r2Exists(name) {
      try {
        await call("GET", `/r2/buckets/${encodeURIComponent(name)}`);
        return true;
      } catch (error) {
        if (error instanceof CloudflareApiError && error.status === 404) return false;
        throw error;
      }
    },
    /** @param {string} name */
    async createR2(name) {
      await call("POST", "/r2/buckets", { name });
    },
    /** @param {string} script @returns {Promise<Set<string>>} names of the Worker's secrets; none before its first deploy */
    async secretNames(script) {
      try {
        const { result } = await call("GET", `/workers/scripts/${encodeURIComponent(script)}/secrets`);
        return new Set(result.map((secret) => secret.name));
      } catch (error) {
        if (error instanceof CloudflareApiError && error.status === 404) return new Set();
        throw error;
      }
    },
  };
}
