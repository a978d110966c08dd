/** `a`, `a and b`, `a, b and c`: items joined as a sentence does, the last by `last`. */
export function wordList(items: readonly string[], last = 'and'): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}
