// The tail's command line and filters. Each filter narrows on one field of a record;
// several combine with AND. A record without the field a filter needs does not match
// (`--slow 500` keeps only records that carry a latencyMs of 500 or more).

const levels = { debug: 0, info: 1, warn: 2, error: 3 };

export const usage = `Usage: npm run tail -- [worker-name] [filters]

Reads Switchboard's JSON log lines and prints one compact line per record.
  npm run dev 2>&1 | npm run tail -- --slow 500     local: pipe wrangler dev's output in
  npm run tail -- switchboard --status 429          production: runs \`wrangler tail <worker> --format json\`
                                                    (needs CLOUDFLARE_API_TOKEN, or \`wrangler login\`)
Filters (combine with AND):
  --source <id>     records of this source (sourceId)
  --status <s>      status equal to <s>: an HTTP status (401), a class (4xx, 5xx)
                    or an event status (routed, invalid, unmatched)
  --route <id>      records of this route (routeId)
  --event <id>      one event's records: ingest, routing, every delivery attempt
  --slow <ms>       records whose latencyMs is at least <ms>
  --level <level>   this level and above: info, warn, error
  --json            print matching records as JSON lines instead of the compact form
  --no-color        plain text (also NO_COLOR=1, or when stdout is not a terminal)`;

/** Parses argv (without node and the script); throws with a message on bad input. */
export function parseArgs(argv) {
  const options = { worker: undefined, json: false, color: undefined, help: false };
  const fieldValue = (i, name) => {
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case "--source":
      case "--status":
      case "--route":
      case "--event":
        options[arg.slice(2)] = fieldValue(i, arg);
        i += 1;
        break;
      case "--slow": {
        const ms = Number(fieldValue(i, arg));
        if (!Number.isFinite(ms) || ms < 0) throw new Error("--slow takes milliseconds, e.g. --slow 500");
        options.slow = ms;
        i += 1;
        break;
      }
      case "--level": {
        const level = fieldValue(i, arg);
        if (!(level in levels)) throw new Error(`--level is one of ${Object.keys(levels).join(", ")}`);
        options.level = level;
        i += 1;
        break;
      }
      case "--json":
        options.json = true;
        break;
      case "--no-color":
        options.color = false;
        break;
      case "-h":
      case "--help":
        options.help = true;
        break;
      default:
        if (arg.startsWith("-")) throw new Error(`unknown option ${arg}`);
        if (options.worker) throw new Error(`one worker name only (got ${options.worker} and ${arg})`);
        options.worker = arg;
    }
  }
  return options;
}

function statusMatches(value, wanted) {
  if (value === undefined || value === null) return false;
  const text = String(value);
  if (/^[1-5]xx$/i.test(wanted)) return /^\d{3}$/.test(text) && text[0] === wanted[0];
  return text.toLowerCase() === wanted.toLowerCase();
}

/** A predicate over records for the parsed options. */
export function recordFilter(options) {
  return (record) => {
    if (options.source !== undefined && record.sourceId !== options.source) return false;
    if (options.route !== undefined && record.routeId !== options.route) return false;
    if (options.event !== undefined && record.eventId !== options.event) return false;
    if (options.status !== undefined && !statusMatches(record.status, options.status)) return false;
    if (options.slow !== undefined && !(typeof record.latencyMs === "number" && record.latencyMs >= options.slow)) return false;
    if (options.level !== undefined && (levels[record.level] ?? levels.info) < levels[options.level]) return false;
    return true;
  };
}
