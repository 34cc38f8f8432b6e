import { describe, expect, it } from 'vitest';
import { descendants, parseXml, textContent } from './well-formed.js';

describe('parseXml (the tests’ well-formedness check)', () => {
  it('reads elements, attributes, entities, comments and a DOCTYPE', () => {
    const root = parseXml(`<!DOCTYPE html>\n<!-- c --><a x="1 &amp; 2" y='&lt;'><b/>t&#233;&#x41;<![CDATA[<raw>]]><c>d</c></a>\n`);
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1 & 2', y: '<' });
    expect(descendants(root).map((e) => e.name)).toEqual(['a', 'b', 'c']);
    expect(textContent(root)).toBe('téA<raw>d');
  });

  it.each([
    ['an unclosed element', '<a><b></a>'],
    ['crossed tags', '<a><b></a></b>'],
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['"<" in an attribute', '<a x="<"/>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
    ['attributes without space', '<a x="1"y="2"/>'],
    ['two roots', '<a/><b/>'],
    ['a control character', '<a>\u0001</a>'],
    ['an unpaired surrogate', '<a>\uD800</a>'],
    ['a stray "<"', '<a>1 < 2</a>'],
  ])('rejects %s', (_, source) => {
    expect(() => parseXml(source)).toThrow(SyntaxError);
  });
});
