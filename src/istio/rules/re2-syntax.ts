/**
 * RE2 syntax, as Envoy and Istio's webhook parse the `regex` of a match. Pure (no cdk8s import): used by the Istio
 * renderer's checks of a route. Internal: not exported from index.ts.
 */

// The syntax check below follows the parser of Go's regexp/syntax (which Istio's webhook uses) rule by rule; where Go
// and RE2 (which Envoy uses) differ, it accepts only what both accept. It is a parser rather than a rewrite to
// JavaScript's RegExp because the two syntaxes differ in both directions (`\x{e9}`, `(?P<n>...)`, octal `\12` are RE2
// only; `\u00e9`, `\cA`, `\Z`, lookaround are JavaScript only).

/** Largest count in `{n,m}`, and largest product of nested counts. */
const RE2_MAX_REPEAT = 1000;
/** Go rejects parse trees more than 1000 levels deep. */
const RE2_MAX_HEIGHT = 1000;
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
const POSIX_CLASSES = new Set('alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit'.split(' '));
const PERL_CLASSES = 'dDsSwW';
const C_ESCAPES: { [letter: string]: number } = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
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

/** The parse-tree shape that RE2's limits depend on: which repeats nest in which, and how deep the tree is. */
interface Re2Node {
  readonly op: 'literal' | 'leaf' | 'repeat' | 'capture' | 'concat' | 'alternate';
  readonly subs: Re2Node[];
  /** For `{min,max}` repeats (max -1 when open); `*`, `+` and `?` have none. */
  readonly counts?: [number, number];
}

class Re2SyntaxError extends Error {}

/** Why `pattern` is not RE2 syntax, or undefined when it is. */
export function re2SyntaxProblem(pattern: string): string | undefined {
  try {
    checkRe2Syntax(Array.from(pattern));
    return undefined;
  } catch (e) {
    if (e instanceof Re2SyntaxError) {
      return e.message;
    }
    throw e;
  }
}

function checkRe2Syntax(s: string[]): void {
  const fail = (why: string): never => {
    throw new Re2SyntaxError(why);
  };
  const text = (from: number, to: number) => s.slice(from, to).join('');
  const frames: Array<{ capture: boolean; start: number; branches: Re2Node[][]; items: Re2Node[] }> = [
    { capture: false, start: 0, branches: [], items: [] },
  ];
  const names = new Set<string>();
  const items = () => frames[frames.length - 1].items;
  const leaf = (op: 'literal' | 'leaf' = 'leaf') => items().push({ op, subs: [] });

  // A single-character escape at s[at] == '\\' (RE2's parseEscape): its code point and where it ends.
  const escape = (at: number): [number, number] => {
    const c = s[at + 1];
    if (c === undefined) {
      return fail('it ends with a lone \\ (write \\\\ for a backslash)');
    }
    if (c.length === 1 && c < '\x80' && !/[0-9A-Za-z]/.test(c)) {
      return [c.charCodeAt(0), at + 2];
    }
    if (/[0-7]/.test(c) && (c === '0' || /[0-7]/.test(s[at + 2] ?? ''))) {
      let end = at + 1;
      let value = 0;
      while (end < at + 4 && /[0-7]/.test(s[end] ?? '')) {
        value = value * 8 + Number(s[end++]);
      }
      return [value, end];
    }
    if (/[1-9]/.test(c)) {
      return fail(`backreference \\${c} is not supported by RE2 (an octal escape has 2 or 3 digits, e.g. \\012)`);
    }
    if (c === 'x') {
      const bad = () => fail(`${text(at, at + 2)} must be followed by two hex digits (\\x41) or hex digits in braces (\\x{e9})`);
      if (s[at + 2] === '{') {
        const close = s.indexOf('}', at + 3);
        const digits = close < 0 ? '' : text(at + 3, close);
        if (!/^[0-9A-Fa-f]+$/.test(digits)) {
          return bad();
        }
        const value = parseInt(digits, 16);
        if (value > 0x10ffff) {
          return fail(`\\x{${digits}} is beyond U+10FFFF, the largest code point`);
        }
        return [value, close + 1];
      }
      const hex = text(at + 2, at + 4);
      return /^[0-9A-Fa-f]{2}$/.test(hex) ? [parseInt(hex, 16), at + 4] : bad();
    }
    if (C_ESCAPES[c] !== undefined) {
      return [C_ESCAPES[c], at + 2];
    }
    const hint = ESCAPE_HINTS[c] ?? (c < '\x80' ? 'only ASCII punctuation, \\x, octal and \\a \\f \\n \\r \\t \\v are single-character escapes'
      : 'only ASCII punctuation can be escaped; write the character itself');
    return fail(`\\${c} is not an RE2 escape (${hint})`);
  };

  // `\pN`, `\p{Greek}`, `\P{^Greek}` at s[at] == '\\': where it ends.
  const unicodeClass = (at: number): number => {
    let name: string;
    let end: number;
    if (s[at + 2] === '{') {
      const close = s.indexOf('}', at + 3);
      if (close < 0) {
        return fail(`${text(at, s.length)} has no closing }`);
      }
      name = text(at + 3, close);
      end = close + 1;
    } else {
      name = s[at + 2] ?? '';
      end = at + 3;
    }
    if (!RE2_UNICODE_CLASSES.has(name.replace(/^\^/, ''))) {
      fail(`${text(at, end)} is not a Unicode class RE2 knows: use a general category (L, Lu, Nd, ...), a script (Greek, Han, ...) or Any`);
    }
    return end;
  };

  // `[...]` at s[at] == '[': where it ends (RE2's parseClass).
  const charClass = (at: number): number => {
    let i = s[at + 1] === '^' ? at + 2 : at + 1;
    const classChar = (j: number, rangeEnd: boolean): [number, number] => {
      if (j >= s.length) {
        return fail(`the character class ${text(at, s.length)} has no closing ]`);
      }
      if (s[j] !== '\\') {
        return [s[j].codePointAt(0)!, j + 1];
      }
      if (rangeEnd && /[pPdDsSwW]/.test(s[j + 1] ?? '')) {
        return fail(`${text(j, j + 2)} cannot end a range in a character class (${text(at, j + 2)}...)`);
      }
      return escape(j);
    };
    for (let first = true; i >= s.length || s[i] !== ']' || first; first = false) {
      if (s[i] === '[' && s[i + 1] === ':' && i + 2 < s.length) {
        const close = s.findIndex((c, j) => j >= i + 2 && c === ':' && s[j + 1] === ']');
        if (close >= 0) {
          if (!POSIX_CLASSES.has(text(i + 2, close).replace(/^\^/, ''))) {
            fail(`${text(i, close + 2)} is not a POSIX class: use one of ${[...POSIX_CLASSES].map(n => `[:${n}:]`).join(' ')}`);
          }
          i = close + 2;
          continue;
        }
      }
      if (s[i] === '\\' && (s[i + 1] === 'p' || s[i + 1] === 'P')) {
        i = unicodeClass(i);
        continue;
      }
      if (s[i] === '\\' && PERL_CLASSES.includes(s[i + 1] ?? '-')) {
        i += 2;
        continue;
      }
      const start = i;
      const [lo, afterLo] = classChar(i, false);
      i = afterLo;
      if (s[i] === '-' && i + 1 < s.length && s[i + 1] !== ']') {
        const [hi, afterHi] = classChar(i + 1, true);
        if (hi < lo) {
          fail(`the range ${text(start, afterHi)} in a character class is reversed (U+${hex(lo)} comes after U+${hex(hi)})`);
        }
        i = afterHi;
      }
    }
    return i + 1;
  };

  // `{n}`, `{n,}`, `{n,m}` at s[at] == '{': [min, max, end], or undefined when it is a literal '{' (RE2's parseRepeat).
  const braces = (at: number): [number, number, number] | undefined => {
    const int = (j: number): [number, number] | undefined => {
      let end = j;
      while (/[0-9]/.test(s[end] ?? '')) {
        end++;
      }
      if (end === j || (s[j] === '0' && end > j + 1)) {
        return undefined;
      }
      return [end - j > 8 ? -1 : Number(text(j, end)), end];
    };
    const min = int(at + 1);
    if (min === undefined) {
      return undefined;
    }
    let [lo, i] = min;
    let hi = lo;
    if (s[i] === ',') {
      if (s[i + 1] === '}') {
        hi = -1;
        i++;
      } else {
        const max = int(i + 1);
        if (max === undefined) {
          return undefined;
        }
        [hi, i] = max;
        lo = hi < 0 ? -1 : lo;
      }
    }
    return s[i] === '}' ? [lo, hi, i + 1] : undefined;
  };

  let lastRepeat: string | undefined;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    const start = i;
    let repeat: string | undefined;
    if (c === '(' && s[i + 1] === '?') {
      const group = text(i, i + 4);
      for (const [syntax, what] of [['(?=', 'lookahead'], ['(?!', 'lookahead'], ['(?<=', 'lookbehind'], ['(?<!', 'lookbehind'],
        ['(?>', 'atomic group'], ['(?P=', 'named backreference'], ['(?P>', 'recursion'], ['(?R', 'recursion'], ['(?#', 'comment group']]) {
        if (group.startsWith(syntax)) {
          fail(`${what} ${syntax} is not supported by RE2`);
        }
      }
      if ((group.startsWith('(?P<') && s.length > i + 4) || (group.startsWith('(?<') && s.length > i + 3)) {
        const nameStart = s[i + 2] === 'P' ? i + 4 : i + 3;
        const close = s.indexOf('>', nameStart);
        if (close < 0) {
          fail(`the group ${text(i, s.length)} has no > after its name`);
        }
        const name = text(nameStart, close);
        if (!/^[A-Za-z0-9_]+$/.test(name)) {
          fail(`${JSON.stringify(name)} in ${text(i, close + 1)} is not a group name: use ASCII letters, digits and _`);
        }
        if (names.has(name)) {
          fail(`two groups are named ${JSON.stringify(name)}`);
        }
        names.add(name);
        frames.push({ capture: true, start: i, branches: [], items: [] });
        i = close + 1;
      } else {
        // Flags: (?i) (?i-s) (?-m) or a group with them, (?i:...); `(?:` is the group without flags.
        let j = i + 2;
        let negated = false;
        let sawFlag = false;
        for (; ; j++) {
          const f = s[j];
          if (f !== undefined && 'imsU'.includes(f)) {
            sawFlag = true;
          } else if (f === '-' && !negated) {
            negated = true;
            sawFlag = false;
          } else if ((f === ':' || f === ')') && !(negated && !sawFlag)) {
            break;
          } else {
            fail(f === undefined || f === ':' || f === ')' || f === '-'
              ? `${text(i, j + 1)} is not a flag group: write flags as (?i), (?i-s) or (?i:...)`
              : `flag ${f} in ${text(i, j + 1)} is not an RE2 flag (RE2 has i, m, s and U)`);
          }
        }
        if (s[j] === ':') {
          frames.push({ capture: false, start: i, branches: [], items: [] });
        }
        i = j + 1;
      }
    } else if (c === '(') {
      frames.push({ capture: true, start: i, branches: [], items: [] });
      i++;
    } else if (c === ')') {
      if (frames.length === 1) {
        fail(`the ) at offset ${i} closes no group`);
      }
      const frame = frames.pop()!;
      const body = alternation([...frame.branches, frame.items]);
      items().push(frame.capture ? { op: 'capture', subs: [body] } : body);
      i++;
    } else if (c === '|') {
      const frame = frames[frames.length - 1];
      frame.branches.push(frame.items);
      frame.items = [];
      i++;
    } else if (c === '*' || c === '+' || c === '?' || (c === '{' && braces(i) !== undefined)) {
      let counts: [number, number] | undefined;
      if (c === '{') {
        const [min, max, end] = braces(i)!;
        const count = text(i, end);
        if (min < 0 || min > RE2_MAX_REPEAT || max > RE2_MAX_REPEAT) {
          fail(`repeat count ${Math.max(...count.match(/[0-9]+/g)!.map(Number))} in ${count} exceeds RE2's maximum ${RE2_MAX_REPEAT}`);
        }
        if (max >= 0 && min > max) {
          fail(`the repeat ${count} has its minimum above its maximum`);
        }
        counts = [min, max];
        i = end;
      } else {
        i++;
      }
      i += s[i] === '?' ? 1 : 0;
      repeat = text(start, i);
      if (lastRepeat !== undefined) {
        fail(c === '+' ? `possessive quantifier ${lastRepeat}+ is not supported by RE2`
          : `${lastRepeat}${repeat} repeats a repeat, which RE2 does not allow: group the inner one, e.g. (?:a${lastRepeat})${repeat}`);
      }
      const target = items().pop();
      if (target === undefined) {
        fail(`${repeat} at offset ${start} has nothing to repeat (escape it as \\${c} for a literal ${c})`);
      }
      const node: Re2Node = { op: 'repeat', subs: [target!], counts };
      items().push(node);
      if (counts !== undefined && (counts[0] >= 2 || counts[1] >= 2) && !repeatsFit(node, RE2_MAX_REPEAT)) {
        fail(`the nested repeats around ${repeat} repeat more than RE2's maximum ${RE2_MAX_REPEAT} times (nested counts multiply)`);
      }
    } else if (c === '[') {
      i = charClass(i);
      leaf();
    } else if (c === '\\' && s[i + 1] === 'Q') {
      // \Q...\E: everything up to \E (or the end) is literal.
      const close = s.findIndex((e, j) => j >= i + 2 && e === '\\' && s[j + 1] === 'E');
      const end = close < 0 ? s.length : close;
      s.slice(i + 2, end).forEach(() => leaf('literal'));
      i = close < 0 ? s.length : close + 2;
    } else if (c === '\\' && s[i + 1] !== undefined && 'AbBz'.includes(s[i + 1])) {
      leaf();
      i += 2;
    } else if (c === '\\' && (s[i + 1] === 'p' || s[i + 1] === 'P')) {
      i = unicodeClass(i);
      leaf();
    } else if (c === '\\' && s[i + 1] !== undefined && PERL_CLASSES.includes(s[i + 1])) {
      leaf();
      i += 2;
    } else if (c === '\\') {
      i = escape(i)[1];
      leaf('literal');
    } else {
      leaf(c === '.' || c === '^' || c === '$' ? 'leaf' : 'literal');
      i++;
    }
    lastRepeat = repeat;
  }
  if (frames.length > 1) {
    fail(`the ( at offset ${frames[frames.length - 1].start} has no closing )`);
  }
  if (height(alternation([...frames[0].branches, frames[0].items])) > RE2_MAX_HEIGHT) {
    fail(`it nests more than ${RE2_MAX_HEIGHT} levels deep`);
  }
}

function alternation(branches: Re2Node[][]): Re2Node {
  const concat = (subs: Re2Node[]): Re2Node => subs.length === 1 ? subs[0] : { op: 'concat', subs };
  return branches.length === 1 ? concat(branches[0]) : { op: 'alternate', subs: branches.map(concat) };
}

/** RE2's `RepetitionWalker` / Go's `repeatIsValid`: nested `{n}` counts multiply, and the product must stay within `n`. */
function repeatsFit(node: Re2Node, n: number): boolean {
  if (node.counts !== undefined) {
    const m = node.counts[1] < 0 ? node.counts[0] : node.counts[1];
    if (m === 0) {
      return true;
    }
    if (m > n) {
      return false;
    }
    n = m > 0 ? Math.floor(n / m) : n;
  }
  return node.subs.every(sub => repeatsFit(sub, n));
}

/**
 * The height of the tree Go's parser builds: nested concatenations and alternations are flattened, adjacent literals
 * become one string, and an alternation of single characters becomes one character class.
 */
function height(node: Re2Node): number {
  if (node.op !== 'concat' && node.op !== 'alternate') {
    return node.subs.length === 0 ? 1 : 1 + Math.max(...node.subs.map(height));
  }
  const flat = (n: Re2Node): Re2Node[] => n.op === node.op ? n.subs.flatMap(flat) : [n];
  const subs = flat(node).filter((n, i, all) => node.op !== 'concat' || n.op !== 'literal' || all[i - 1]?.op !== 'literal');
  if (subs.length <= 1 || (node.op === 'alternate' && subs.every(n => n.subs.length === 0))) {
    return subs.length === 1 ? height(subs[0]) : 1;
  }
  return 1 + Math.max(...subs.map(height));
}

function hex(codePoint: number): string {
  return codePoint.toString(16).toUpperCase().padStart(4, '0');
}
