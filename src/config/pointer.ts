/** An RFC 6901 JSON pointer to `path`: `~` and `/` in a key are escaped. */
export function pointerOf(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${String(segment).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}
