// A small, strict XML parser for the report tests: it proves that generated SVG and HTML are
// well-formed (balanced tags, quoted attributes, no bare "<" or "&", only characters XML allows) and
// gives back a tree to count bars and points in. It reads an optional DOCTYPE, so the HTML page, whose
// void elements are self-closed, parses too. Not a general XML parser: no DTDs, no namespaces.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** This element's own character data, entities decoded (children's text excluded). */
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/y;
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// eslint-disable-next-line no-control-regex -- finding characters XML forbids is the point
const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Parses a document with one root element; throws a SyntaxError naming the offset of the first problem. */
export function parseXml(source: string): XmlElement {
  let pos = 0;
  const fail = (message: string): never => {
    throw new SyntaxError(`${message} at offset ${pos}: ${JSON.stringify(source.slice(pos, pos + 40))}`);
  };
  const forbidden = FORBIDDEN_CHARACTER.exec(source);
  if (forbidden) {
    pos = forbidden.index;
    fail('character not allowed in XML');
  }

  const skipSpace = () => {
    const start = pos;
    while (pos < source.length && ' \t\r\n'.includes(source[pos]!)) pos++;
    return pos > start;
  };
  const skipPast = (terminator: string, what: string) => {
    const end = source.indexOf(terminator, pos);
    if (end < 0) fail(`unterminated ${what}`);
    const skipped = source.slice(pos, end);
    pos = end + terminator.length;
    return skipped;
  };
  const expect = (literal: string) => {
    if (!source.startsWith(literal, pos)) fail(`expected ${JSON.stringify(literal)}`);
    pos += literal.length;
  };
  const readName = () => {
    NAME.lastIndex = pos;
    const match = NAME.exec(source);
    if (!match) return fail('expected a name');
    pos += match[0].length;
    return match[0];
  };
  const decode = (raw: string, where: number) => {
    let decoded = '';
    for (let i = 0; i < raw.length; ) {
      if (raw[i] !== '&') {
        decoded += raw[i++];
        continue;
      }
      ENTITY.lastIndex = i;
      const match = ENTITY.exec(raw);
      if (!match) {
        pos = where + i;
        fail('bare "&" (not an entity reference)');
      }
      const [whole, hex, decimal, named] = match!;
      decoded += named ? NAMED_ENTITIES[named] : String.fromCodePoint(parseInt(hex ?? decimal!, hex ? 16 : 10));
      i += whole.length;
    }
    return decoded;
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', pos)) skipPast('-->', 'comment');
      else if (source.startsWith('<?', pos)) skipPast('?>', 'processing instruction');
      else return;
    }
  };

  const parseElement = (): XmlElement => {
    expect('<');
    const element: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
    for (;;) {
      const spaced = skipSpace();
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return element;
      }
      if (source[pos] === '>') {
        pos++;
        break;
      }
      if (!spaced) fail('expected whitespace before an attribute');
      const name = readName();
      if (name in element.attributes) fail(`duplicate attribute ${name}`);
      skipSpace();
      expect('=');
      skipSpace();
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
      pos++;
      const start = pos;
      const raw = skipPast(quote!, 'attribute value');
      if (raw.includes('<')) fail('"<" in an attribute value');
      element.attributes[name] = decode(raw, start);
    }
    for (;;) {
      if (pos >= source.length) fail(`unclosed <${element.name}>`);
      if (source.startsWith('</', pos)) {
        pos += 2;
        const closing = readName();
        if (closing !== element.name) fail(`</${closing}> closes <${element.name}>`);
        skipSpace();
        expect('>');
        return element;
      }
      if (source.startsWith('<!--', pos)) skipPast('-->', 'comment');
      else if (source.startsWith('<![CDATA[', pos)) {
        pos += 9;
        element.text += skipPast(']]>', 'CDATA section');
      } else if (source[pos] === '<') element.children.push(parseElement());
      else {
        const start = pos;
        const end = source.indexOf('<', pos);
        pos = end < 0 ? source.length : end;
        const raw = source.slice(start, pos);
        if (raw.includes(']]>')) fail('"]]>" in character data');
        element.text += decode(raw, start);
      }
    }
  };

  skipMisc();
  if (source.startsWith('<!DOCTYPE', pos)) skipPast('>', 'DOCTYPE');
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (pos < source.length) fail('content after the root element');
  return root;
}

/** The element and everything below it, depth first. */
export function descendants(element: XmlElement): XmlElement[] {
  return [element, ...element.children.flatMap(descendants)];
}

/** All character data in and below the element. */
export function textContent(element: XmlElement): string {
  return element.text + element.children.map(textContent).join('');
}
