/** Control characters written out of what widen prints: text, and JSON it has already encoded. */
import { escapeControls, escapeJsonControls } from '../../src/patch/errors.js';

test('C0 controls but tab and newline, DEL, C1 controls and bidi overrides are written out', () => {
  expect(escapeControls('a\x1b[31mb\x07c\x00d\x7fe')).toBe('a\\x1b[31mb\\x07c\\x00d\\x7fe');
  expect(escapeControls('tab\there\nnewline')).toBe('tab\there\nnewline');
  // U+009B is a one-character CSI; U+202E turns the rest of the line around (Trojan Source).
  expect(escapeControls('x\u009b2Jy\u0085z')).toBe('x\\x9b2Jy\\x85z');
  expect(escapeControls('if (admin) \u202e } \u2066 \u061c')).toBe('if (admin) \\u202e } \\u2066 \\u061c');
  // Everything else, accents and CJK and astral characters included, stays.
  expect(escapeControls('Müller 漢字 😀 –')).toBe('Müller 漢字 😀 –');
  // Escaping twice changes nothing.
  expect(escapeControls(escapeControls('a\x1bb\u202e'))).toBe('a\\x1bb\\u202e');
});

test('JSON keeps its value: C1 and bidi characters become \\u escapes', () => {
  const value = { path: 'mm/f\u009boo\u202e.c', note: 'back\\slash \\x1b' };
  const json = escapeJsonControls(JSON.stringify(value));
  expect(json).toBe('{"path":"mm/f\\u009boo\\u202e.c","note":"back\\\\slash \\\\x1b"}');
  expect(JSON.parse(json)).toEqual(value);
});
