/**
 * RE2 syntax, as Envoy and Istio's webhook parse the `regex` of a match: re2js (a maintained port of Go's
 * regexp/syntax) plus Envoy's differences. Pure (no cdk8s import); used by the Istio renderer's checks of a route.
 * Internal: not exported from index.ts.
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';

// re2js is a port of Go's regexp/syntax (which Istio's webhook uses) and so enforces RE2's limits itself: repeat
// counts up to 1000, nested counts multiplying to at most 1000, at most 1000 levels of nesting. This module adds the
// two places where re2js and what Envoy (RE2) and Istio (Go) accept differ, and explains re2js's terse errors.

/** `\p{..}` names that both know: `Any`, the general categories and the scripts of Unicode 15 (Go's regexp tables). */
const RE2_UNICODE_CLASSES = new Set(('Any C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs '
  + 'Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali Bhaiksuki Bopomofo '
  + 'Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma Cham Cherokee Chorasmian Common '
  + 'Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs '
  + 'Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Han Hangul '
  + 'Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inherited Inscriptional_Pahlavi '
  + 'Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki '
  + 'Khudawadi Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean '
  + 'Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi '
  + 'Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong '
  + 'Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian Old_Permic Old_Persian Old_Sogdian Old_South_Arabian '
  + 'Old_Turkic Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi '
  + 'Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo '
  + 'Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut Telugu Thaana '
  + 'Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi Zanabazar_Square').split(' '));
const UNICODE_HINT = 'use a general category (L, Lu, Nd, ...), a script (Greek, Han, ...) or Any';
const POSIX_HINT = 'use one of [:alnum:] [:alpha:] [:ascii:] [:blank:] [:cntrl:] [:digit:] [:graph:] [:lower:] [:print:] '
  + '[:punct:] [:space:] [:upper:] [:word:] [:xdigit:]';
/** Perl and PCRE groups that RE2 lacks; re2js reports them only as bad flags or bad group names. */
const UNSUPPORTED_GROUPS = [['(?=', 'lookahead'], ['(?!', 'lookahead'], ['(?<=', 'lookbehind'], ['(?<!', 'lookbehind'],
  ['(?>', 'atomic group'], ['(?P=', 'named backreference'], ['(?P>', 'recursion'], ['(?R', 'recursion'], ['(?#', 'comment group']];
const ESCAPE_HINTS: { [letter: string]: string } = {
  Z: 'use \\z for the end of the text',
  b: 'inside a character class; write a backspace as \\x08',
  u: 'write a code point as \\x{e9}',
  U: 'write a code point as \\x{1f600}',
  c: 'write a control character as \\x01',
  e: 'write escape as \\x1b',
  C: 'RE2 does not match single bytes',
  k: 'RE2 has no backreferences',
};
/** Escapes, and `\Q...\E` (whose text is literal); group 1 or 2 is the name in a `\p{..}`, `\P{..}` or `\pL`. */
const ESCAPE_OR_QUOTE = /\\Q[\s\S]*?(?:\\E|$)|\\[pP](?:\{([^}]*)\}|(.))|\\[\s\S]/gu;

/** Why `pattern` is not an RE2 regular expression that both Envoy and Istio accept, or undefined when it is. */
export function re2SyntaxProblem(pattern: string): string | undefined {
  const compiled = goReadingOfColonClass(pattern);
  try {
    RE2JS.compile(compiled);
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) {
      // One line even when the text quoted from the pattern has a line break.
      return explain(e.getDescription(), e.getPattern() ?? '', compiled).replace(/[\n\r]/g, c => JSON.stringify(c).slice(1, -1));
    }
    throw e;
  }
  // re2js knows Unicode 17 and what Go 1.25 added (`\p{Emoji}`, `\p{LC}`, `\p{Ascii}`, ...); Envoy and Go 1.24 do not.
  // The pattern is valid here, so every `\p` outside `\Q...\E` and not after an escaped backslash is a class.
  for (const m of pattern.matchAll(ESCAPE_OR_QUOTE)) {
    const name = (m[1] ?? m[2])?.replace(/^\^/, '');
    if (name !== undefined && !RE2_UNICODE_CLASSES.has(name)) {
      return `${m[0]} is not a Unicode class RE2 knows: ${UNICODE_HINT}`;
    }
  }
  return undefined;
}

/**
 * In a class, Go and RE2 read `[:` as the start of a POSIX class only when a `:]` follows it; re2js also takes the
 * `:]` of `[:]` itself (so rejects `[[:]`, a class of `[` and `:`). Only the last `[:]` can have no `:]` after it;
 * its `:` becomes `;`, which re2js reads as Go reads the `:` and which keeps offsets.
 */
function goReadingOfColonClass(pattern: string): string {
  const at = pattern.lastIndexOf('[:]');
  return at < 0 || pattern.includes(':]', at + 3) ? pattern : `${pattern.slice(0, at + 1)};${pattern.slice(at + 2)}`;
}

/** re2js does not say where an error is: it is where the shortest prefix that fails the same way ends. */
function offset(error: string, compiled: string): string {
  for (let end = 1; end <= compiled.length; end++) {
    try {
      RE2JS.compile(compiled.slice(0, end));
    } catch (e) {
      if (e instanceof RE2JSSyntaxException && e.getDescription() === error) {
        const start = error === 'unexpected )' ? end - 1 : end - (e.getPattern() ?? '').length;
        return ` at offset ${Array.from(compiled.slice(0, start)).length}`;
      }
    }
  }
  return '';
}

/** re2js's error (Go's wording) and the text it points at, as a reason with a fix. */
function explain(error: string, text: string, compiled: string): string {
  // For `(?P=` and `(?P>`, re2js points at `(?P` only: look at what follows the first `(?P` that names no group.
  const at = text === '(?P' ? /\(\?P(?!<).?/u.exec(compiled)?.[0] ?? text : text;
  const group = UNSUPPORTED_GROUPS.find(([syntax]) => at.startsWith(syntax));
  if (group !== undefined) {
    return `${group[1]} ${group[0]} is not supported by RE2`;
  }
  switch (error) {
    case 'invalid escape sequence':
      return escapeProblem(text);
    case 'trailing backslash at end of expression':
      return 'it ends with a lone \\ (write \\\\ for a backslash)';
    case 'invalid character class range':
      if (/^\\[pP]\{[^}]*$/.test(text)) {
        return `${text} has no closing }`;
      }
      if (/^\\[pP]/.test(text)) {
        return `${text} is not a Unicode class RE2 knows: ${UNICODE_HINT}`;
      }
      return text.startsWith('[:') ? `${text} is not a POSIX class: ${POSIX_HINT}`
        : `the range ${text} in a character class is reversed (write its lower end first)`;
    case 'missing closing ]':
      return `the character class ${text} has no closing ]`;
    case 'missing closing )':
      return 'a ( has no closing ) (close the group, or write \\( for a literal ()';
    case 'unexpected )':
      return `the )${offset(error, compiled)} closes no group (escape it as \\) for a literal ))`;
    case 'missing argument to repetition operator':
      return `${text}${offset(error, compiled)} has nothing to repeat (escape it as \\${text[0]} for a literal ${text[0]})`;
    case 'invalid nested repetition operator': {
      // `text` is the previous repeat and this one, e.g. `*+` or `{2}{3}`.
      const [inner] = text.match(/^(?:[*+?]|\{[^}]*\})\??/)!;
      const outer = text.slice(inner.length);
      return outer.startsWith('+') ? `possessive quantifier ${inner}+ is not supported by RE2`
        : `${text} repeats a repeat, which RE2 does not allow: group the inner one, e.g. (?:a${inner})${outer}`;
    }
    case 'invalid repeat count': {
      const counts = text.match(/[0-9]+/g)!;
      const tooLarge = counts.find(n => Number(n) > 1000);
      if (tooLarge !== undefined) {
        return `repeat count ${tooLarge} in ${text} exceeds RE2's maximum 1000`;
      }
      return counts.length === 2 && Number(counts[0]) > Number(counts[1]) ? `the repeat ${text} has its minimum above its maximum`
        : `the nested repeats around ${text} repeat more than RE2's maximum 1000 times (nested counts multiply)`;
    }
    case 'invalid or unsupported Perl syntax': {
      const last = Array.from(text).pop()!;
      return text === '(?' || 'imsU:)-'.includes(last) ? `${text} is not a flag group: write flags as (?i), (?i-s) or (?i:...)`
        : `flag ${last} in ${text} is not an RE2 flag (RE2 has i, m, s and U)`;
    }
    case 'invalid named capture':
      return !text.endsWith('>') ? `the group ${text} has no > after its name`
        : `${JSON.stringify(text.slice(text.startsWith('(?P<') ? 4 : 3, -1))} in ${text} is not a group name: use ASCII letters, digits and _`;
    case 'duplicate capture group name':
      return `two groups are named ${JSON.stringify(text)}`;
    case 'expression nests too deeply':
      return 'it nests more than 1000 levels deep';
    case 'expression too large':
      return 'it is too large once its repeats are expanded: use smaller repeat counts';
    default:
      return text === '' ? error : `${error}: ${text}`;
  }
}

/** `text` is the escape re2js stopped at, e.g. `\u`, `\x4`, `\1`; `\d` and `\p` only fail here as a range's end. */
function escapeProblem(text: string): string {
  const c = String.fromCodePoint(text.codePointAt(1)!);
  if (/^\\[dDsSwWpP]$/.test(text)) {
    return `${text} cannot end a range in a character class`;
  }
  if (/^\\[1-9]$/.test(text)) {
    return `backreference ${text} is not supported by RE2 (an octal escape has 2 or 3 digits, e.g. \\012)`;
  }
  if (c === 'x') {
    // re2js stops at the digit that takes the code point beyond U+10FFFF.
    return /^\\x\{[0-9A-Fa-f]+$/.test(text) && parseInt(text.slice(3), 16) > 0x10ffff ? `${text}... is beyond U+10FFFF, the largest code point`
      : '\\x must be followed by two hex digits (\\x41) or hex digits in braces (\\x{e9})';
  }
  const hint = ESCAPE_HINTS[c] ?? (c < '\x80' ? 'only ASCII punctuation, \\x, octal and \\a \\f \\n \\r \\t \\v are single-character escapes'
    : 'only ASCII punctuation can be escaped; write the character itself');
  return `\\${c} is not an RE2 escape (${hint})`;
}
