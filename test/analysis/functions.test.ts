/** Function segmentation and mapping changed lines to enclosing functions. */
import { functionAtLine } from '../../src/analysis/functions.js';
import { analyzeSource } from '../helpers/analyze.js';

const SRC = `/* header */
#include <linux/mm.h>

static int a(int x)
{
	return x;
}

struct s { int y; };
static struct s init = { .y = 1 };

#ifdef CONFIG_MMU
int b(void)
{
	return 1;
}
#else
int b(void)
{
	return 0;
}
#endif

SYSCALL_DEFINE1(c, int, flags)
{
	return b();
}
`;

describe('findFunctions', () => {
  test('finds each definition with its lines, and numbers #ifdef alternatives', async () => {
    const file = await analyzeSource(SRC);
    expect(file.functions.map((f) => [f.key, f.startLine, f.endLine])).toEqual([
      ['a', 4, 7],
      ['b', 13, 16],
      ['b#2', 18, 21],
      ['c', 24, 27],
    ]);
  });

  test('maps lines to the enclosing function, signature and closing brace included', async () => {
    const file = await analyzeSource(SRC);
    const at = (l: number): string | undefined => functionAtLine(file.functions, l)?.key;
    expect([at(4), at(5), at(7), at(8), at(10), at(14), at(21), at(24)]).toEqual(['a', 'a', 'a', undefined, undefined, 'b', 'b#2', 'c']);
  });

  test('a function whose header and body have a #define between them is still one function', async () => {
    const text = [
      'static struct intel_context *',
      'lookup_engine(struct ctx *ctx, unsigned long flags)',
      '#define LOOKUP_USER_INDEX BIT(0)',
      '{',
      '\treturn NULL;',
      '}',
      '',
      'static const struct opt list[] =',
      '\t#define AA "AutoNeg "',
      '\t{ { 0x01, AA "10/HD" } };',
      '',
      'EXPORT_SYMBOL(lookup_engine)',
      '#ifdef CONFIG_MMU',
      'int after(void)',
      '{',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    const file = await analyzeSource(text);
    expect(file.functions.map((f) => [f.key, f.startLine, f.endLine])).toEqual([
      ['lookup_engine', 1, 6],
      ['after', 14, 17],
    ]);
    expect(file.shapeProblems).toEqual([]);
  });
});
