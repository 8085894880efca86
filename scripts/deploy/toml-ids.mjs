// Writes resource ids into wrangler.toml in place, keeping its comments and layout:
// the line `key = "…"` inside the `[[table]]` block whose `matchKey = "matchValue"`.

/**
 * @param {string} text the whole wrangler.toml
 * @param {{ table: string, matchKey: string, matchValue: string, key: string, value: string }} where
 * @returns {string} the text with that one value replaced
 */
export function setTomlValue(text, { table, matchKey, matchValue, key, value }) {
  const lines = text.split("\n");
  const blocks = [];
  let current;
  lines.forEach((line, index) => {
    const header = /^\s*\[\[?\s*([^\]\s]+)\s*\]\]?\s*(#.*)?$/.exec(line);
    if (header) {
      current = { table: header[1], arrayTable: line.trim().startsWith("[["), start: index, end: lines.length };
      if (blocks.length > 0) blocks[blocks.length - 1].end = index;
      blocks.push(current);
    }
  });
  const valueLine = (name) => new RegExp(`^(\\s*${name}\\s*=\\s*)"([^"]*)"(.*)$`);
  for (const block of blocks) {
    if (block.table !== table || !block.arrayTable) continue;
    const body = lines.slice(block.start + 1, block.end);
    const matches = body.some((line) => valueLine(matchKey).exec(line)?.[2] === matchValue);
    if (!matches) continue;
    const offset = body.findIndex((line) => valueLine(key).test(line));
    if (offset === -1) throw new Error(`wrangler.toml: [[${table}]] with ${matchKey} = "${matchValue}" has no ${key} line to set`);
    const at = block.start + 1 + offset;
    lines[at] = lines[at].replace(valueLine(key), (_, before, _old, after) => `${before}"${value}"${after}`);
    return lines.join("\n");
  }
  throw new Error(`wrangler.toml has no [[${table}]] with ${matchKey} = "${matchValue}"`);
}
