// Reads wrangler dev's local D1 through its local explorer API
// (/cdn-cgi/explorer/api/d1/…/raw), i.e. inside the dev server's own workerd. A second
// process opening the same SQLite file would compete for its lock: tried, it made the
// gateway's inbox flush fail with SQLITE_BUSY, which disturbs what is measured.
const explorer = "/cdn-cgi/explorer/api/d1/database";

async function call(url, init) {
  const response = await fetch(url, init);
  const body = await response.json().catch(() => undefined);
  if (!response.ok || !body?.success) {
    throw new Error(`D1 explorer ${url}: ${response.status} ${JSON.stringify(body?.errors ?? body)}`);
  }
  return body.result;
}

/**
 * A D1 binding look-alike with the part of the API the durability check uses:
 * `prepare(sql).bind(...params).first()` and `.all()`.
 */
export async function explorerD1(baseUrl, binding) {
  const databases = await call(`${baseUrl}${explorer}`);
  const database = databases.find((d) => d.name === binding);
  if (!database) throw new Error(`wrangler dev's explorer lists no D1 database bound as ${binding}`);
  const run = async (sql, params) => {
    const [result] = await call(`${baseUrl}${explorer}/${encodeURIComponent(database.uuid)}/raw`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sql, params }),
    });
    const { columns, rows } = result.results;
    return rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]])));
  };
  return {
    prepare(sql) {
      const statement = (params) => ({
        bind: (...more) => statement([...params, ...more]),
        first: async () => (await run(sql, params))[0] ?? null,
        all: async () => ({ results: await run(sql, params) }),
      });
      return statement([]);
    },
  };
}
