/** A unified diff of two texts of one file, line by line (enough for the renames tests: no moves). */
export function diffLines(path: string, a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const body: string[] = [];
  for (let i = 0; i < Math.max(x.length, y.length) - 1; i++) {
    if (x[i] === y[i]) body.push(` ${x[i]}`);
    else body.push(`-${x[i]}`, `+${y[i]}`);
  }
  return `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1,${x.length - 1} +1,${y.length - 1} @@\n${body.join('\n')}\n`;
}
