/** GitHub's answers checked before use: what a server that is not the REST API gets told. */
import { expectFields, expectList, UnexpectedAnswer } from '../../src/github/answers.js';

const PULL = { 'head.sha': 'string', changed_files: 'number?' };

test('an answer of the right shape passes; optional fields may be missing or null', () => {
  expect(() => expectFields('GET pulls/{number}', { head: { sha: 'c'.repeat(40) } }, PULL)).not.toThrow();
  expect(() => expectFields('GET pulls/{number}', { head: { sha: 'c' }, changed_files: null }, PULL)).not.toThrow();
  expect(() => expectList('GET pulls/{number}/files', [{ filename: 'mm/x.c' }], { filename: 'string', patch: 'string?' })).not.toThrow();
});

test('each wrong shape is named: the request, the field, what came instead', () => {
  const message = (f: () => void): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(UnexpectedAnswer);
      return (e as Error).message;
    }
    throw new Error('no error');
  };
  expect(message(() => expectFields('GET pulls/{number}', '<!DOCTYPE html><html>', PULL))).toBe('GET pulls/{number} gave an HTML page, not a JSON object');
  expect(message(() => expectFields('GET pulls/{number}', { head: null }, PULL))).toBe('GET pulls/{number} gave nothing for `head.sha`, not a string');
  expect(message(() => expectFields('GET pulls/{number}', { head: { sha: 'c' }, changed_files: 'lots' }, PULL))).toBe('GET pulls/{number} gave text for `changed_files`, not a number');
  expect(message(() => expectList('GET pulls/{number}/files', { files: [] }, {}))).toBe('GET pulls/{number}/files gave an object, not a JSON list');
  expect(message(() => expectList('GET pulls/{number}/files', [{ filename: 'a.c', patch: 12 }], { patch: 'string?' }))).toBe('an item of GET pulls/{number}/files gave a number for `patch`, not a string');
});
