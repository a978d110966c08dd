import { jobProblem, queuePrefix, queuePrefixProblem, redisUrlProblem } from '../../src/github/redis-queue.js';

describe('what the queue refuses, in one line', () => {
  test('a REDIS_URL with an unencoded password is named as such, and never quoted', () => {
    const url = 'redis://:p@ss:w/rd#1 %x@127.0.0.1:6379';
    const problem = redisUrlProblem(url);
    expect(problem).toMatch(/^REDIS_URL is not a valid URL: percent-encode/);
    expect(problem).not.toContain('p@ss');
    expect(redisUrlProblem('redis://:p%40ss%3Aw%2Frd%231%20%25x@127.0.0.1:6379/3')).toBeNull();
    expect(redisUrlProblem('rediss://default:pw@redis.example.org:6380')).toBeNull();
    expect(redisUrlProblem('127.0.0.1:6379')).toMatch(/^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  test('WIDEN_QUEUE_PREFIX: the default, a name of its own, and a refusal', () => {
    expect(queuePrefix({})).toBe('widen');
    expect(queuePrefix({ WIDEN_QUEUE_PREFIX: 'widen-staging' })).toBe('widen-staging');
    expect(queuePrefixProblem({ WIDEN_QUEUE_PREFIX: 'a b' })).toMatch(/^WIDEN_QUEUE_PREFIX must be 1 to 64 letters/);
    expect(() => queuePrefix({ WIDEN_QUEUE_PREFIX: 'a:b' })).toThrow(/WIDEN_QUEUE_PREFIX must be/);
  });

  test('job data that is not a widen review says what is missing', () => {
    const good = { jobId: 'd', deliveryId: 'd', installationId: 1, ref: { owner: 'o', repo: 'r', number: 1 }, pull: { headSha: 'a', changedFiles: 1 }, force: false };
    expect(jobProblem(good)).toBeNull();
    expect(jobProblem(null)).toBe('its data is not an object');
    expect(jobProblem('hello')).toBe('its data is not an object');
    expect(jobProblem({ ...good, ref: { owner: 'o', repo: 'r' } })).toBe('no pull request (`ref` with owner, repo and number)');
    expect(jobProblem({ ...good, pull: { headSha: 'a' } })).toBe('no head commit (`pull` with headSha and changedFiles)');
    expect(jobProblem({ ...good, force: 'yes' })).toBe('no `force`');
  });
});
