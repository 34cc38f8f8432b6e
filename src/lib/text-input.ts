// Text people type into riskgate — notes, descriptions, reasons, rule names — is stored in SQLite text
// columns, shown in the console and kept in the audit trail. A lone surrogate cannot be stored as UTF-8
// (it would come back as U+FFFD, so a retry would no longer equal what was kept), control characters
// other than tabs and line breaks have no business in it, and a name shown to others as a reason must
// not hold the formatting characters that reorder what is displayed.

/** A UTF-16 code unit with no partner: the text is not well-formed Unicode. */
const LONE_SURROGATE = /\p{Surrogate}/u;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/**
 * Bidirectional embeddings, overrides and isolates: they reorder what follows them on screen. (The
 * marks and joiners — LRM, RLM, ZWJ, ZWNJ — are part of writing Persian, Hebrew or emoji, and stay.)
 */
const REORDERING = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * Invisible and text-direction characters, refused in entity ids (and in list values that are ids): a
 * bidi override or a zero-width space makes an id show a reviewer another id (`u_\u202eAIROTCIV` reads as
 * a known account) while it is a different key.
 */
const INVISIBLE_IN_ID = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;
export const INVISIBLE_IN_ID_MESSAGE = 'must not contain invisible or text-direction characters (U+061C, U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF)';

/** Whether an id holds an invisible or text-direction character (see INVISIBLE_IN_ID_MESSAGE). */
export function hasInvisibleCharacter(id: string): boolean {
  return INVISIBLE_IN_ID.test(id);
}

/** Whether a string is well-formed Unicode: no UTF-16 code unit without its partner. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Length in characters (code points), as the API's schemas count it: an emoji is one. */
function characters(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** What is wrong with free text (a note, a description, a reason) of at most `maxLength` characters, or undefined. */
export function freeTextProblem(text: string, maxLength: number): string | undefined {
  if (text.length > maxLength && characters(text) > maxLength) return `must be at most ${maxLength.toLocaleString('en-US')} characters`;
  if (LONE_SURROGATE.test(text)) return 'is not well-formed Unicode (a lone surrogate)';
  if (CONTROL_EXCEPT_LINE_BREAKS.test(text)) return 'must not contain control characters other than tabs and line breaks';
  return undefined;
}

/** What is wrong with a one-line name shown to others (a rule's name, which is also a decision's reason), or undefined. */
export function nameProblem(text: string, maxLength: number): string | undefined {
  if (text.trim().length === 0 || (text.length > maxLength && characters(text) > maxLength)) return `must be 1–${maxLength.toLocaleString('en-US')} characters`;
  if (LONE_SURROGATE.test(text)) return 'is not well-formed Unicode (a lone surrogate)';
  if (ANY_CONTROL.test(text)) return 'must not contain control characters or line breaks';
  if (REORDERING.test(text)) return 'must not contain bidirectional overrides, embeddings or isolates (they reorder what is displayed)';
  return undefined;
}

/**
 * The path of the first string in a parsed JSON value that is not well-formed Unicode (keys included),
 * or undefined. Iterative: a body may nest deeper than the stack.
 */
export function illFormedStringAt(root: unknown): string | undefined {
  const pending: Array<[value: unknown, path: string]> = [[root, '']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return path === '' ? '(body)' : path;
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push([value[i], deeper(path, `[${i}]`)]);
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      for (let k = keys.length - 1; k >= 0; k--) {
        const key = keys[k]!;
        const at = path === '' ? key : deeper(path, `.${key}`);
        if (LONE_SURROGATE.test(key)) return at;
        pending.push([(value as Record<string, unknown>)[key], at]);
      }
    }
  }
  return undefined;
}

/** A path one part longer — up to a length a message can show: past it, cut with an ellipsis (a body may nest 100,000 deep). */
function deeper(path: string, part: string): string {
  if (path.length <= MAX_PATH) return path + part;
  return path.endsWith('…') ? path : `${path}…`;
}

const MAX_PATH = 120;
