// Merging and comparing stem counts: what both programs do on the calling thread.

/** Add the counts of `from` into `into`. */
export function mergeCounts(into: Map<string, number>, from: Map<string, number>): Map<string, number> {
  for (const [stem, count] of from) into.set(stem, (into.get(stem) ?? 0) + count);
  return into;
}

/** Whether two counts hold the same stems with the same counts. */
export function sameCounts(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [stem, count] of a) if (b.get(stem) !== count) return false;
  return true;
}
