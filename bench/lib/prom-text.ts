/**
 * The value of the first sample of `name` in a Prometheus text exposition, or NaN when absent. Labels are
 * ignored: the benchmark reads single-series process metrics (event-loop delay, RSS).
 */
export function promValue(text: string, name: string): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const value = rest
      .slice(rest[0] === "{" ? rest.indexOf("}") + 1 : 0)
      .trim()
      .split(" ")[0];
    return Number(value);
  }
  return Number.NaN;
}
