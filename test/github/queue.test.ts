import { ReviewQueue, type ReviewJob } from '../../src/github/queue.js';

/** A job that runs until the test lets it finish, and records when it started. */
function job(key: string, owner: string, log: string[], gates: Map<string, () => void>, headSha = 'a', updatedAt?: string): ReviewJob {
  return {
    key,
    headSha,
    owner,
    ...(updatedAt ? { updatedAt } : {}),
    log: { error: () => undefined },
    run: () =>
      new Promise<void>((resolve) => {
        log.push(`${key}@${headSha}`);
        gates.set(`${key}@${headSha}`, resolve);
      }),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('the embedded review queue', () => {
  test("a slot that frees goes to another installation's waiting review before more of the busy one's", async () => {
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const q = new ReviewQueue(() => undefined, 2);
    for (const n of [1, 2, 3, 4]) q.add(job(`busy/linux#${n}`, 'installation 1', started, gates));
    q.add(job('quiet/linux#1', 'installation 2', started, gates));
    await tick();
    expect(started).toEqual(['busy/linux#1@a', 'busy/linux#2@a']);

    gates.get('busy/linux#1@a')!();
    await tick();
    // FIFO would start busy/linux#3 here.
    expect(started).toEqual(['busy/linux#1@a', 'busy/linux#2@a', 'quiet/linux#1@a']);

    for (const g of [...gates.values()]) g();
    await tick();
    for (const g of [...gates.values()]) g();
    await tick();
    for (const g of [...gates.values()]) g();
    await q.idle();
    expect(started.slice(3).sort()).toEqual(['busy/linux#3@a', 'busy/linux#4@a']);
  });

  test('one pull request runs one review at a time, and a newer head supersedes the one still waiting', async () => {
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const q = new ReviewQueue(() => undefined, 2);
    q.add(job('o/r#1', 'o', started, gates, 'a'));
    q.add(job('o/r#1', 'o', started, gates, 'b'));
    q.add(job('o/r#1', 'o', started, gates, 'c'));
    await tick();
    expect(started).toEqual(['o/r#1@a']);
    expect(q.latest('o/r#1')).toBe('c');
    gates.get('o/r#1@a')!();
    await tick();
    expect(started).toEqual(['o/r#1@a', 'o/r#1@c']);
    gates.get('o/r#1@c')!();
    await q.idle();
  });

  test("a delivery of an older push that arrives late replaces nothing, waiting or finished", async () => {
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const q = new ReviewQueue(() => undefined, 1);
    // Slot taken by another pull request, so that the jobs below wait.
    q.add(job('o/r#9', 'o', started, gates, 'x', '2026-12-06T10:00:00Z'));
    q.add(job('o/r#1', 'o', started, gates, 'B', '2026-12-06T10:05:00Z'));
    q.add(job('o/r#1', 'o', started, gates, 'A', '2026-12-06T10:04:00Z'));
    expect(q.latest('o/r#1')).toBe('B');
    await tick();
    gates.get('o/r#9@x')!();
    await tick();
    expect(started).toEqual(['o/r#9@x', 'o/r#1@B']);
    await tick();
    gates.get('o/r#1@B')!();
    await q.idle();
    // After the pull request's last review, too.
    q.add(job('o/r#1', 'o', started, gates, 'A', '2026-12-06T10:04:00Z'));
    await q.idle();
    expect(started).toEqual(['o/r#9@x', 'o/r#1@B']);
  });
});
