import * as fs from 'fs';
import * as path from 'path';
import { formatFloat32G, ManifestSyntaxError, MAX_NESTING_DEPTH, parseManifests } from '../../src/analysis/read-manifests';

// The expected values are what `kubectl apply -f` sends to the API server for each input. kubectl reads files with
// k8s.io/apimachinery pkg/util/yaml (YAMLOrJSONDecoder, YAMLReader) and converts every document with
// sigs.k8s.io/yaml Unmarshal, i.e. go-yaml v2 (go.yaml.in/yaml/v2 v2.4.2) `yaml.Unmarshal` into interface{}, then
// convertToJSONableObject and json.Marshal. References below are to go-yaml v2.4.2 resolve.go / decode.go /
// scannerc.go and to sigs.k8s.io/yaml yaml.go.

/** Parses a file's text. */
function parse(text: string): any[] {
  return parseManifests(text);
}

/** The single object of a one-document file. */
function one(text: string): any {
  const docs = parse(text);
  expect(docs).toHaveLength(1);
  return docs[0];
}

/** The error a text fails with. */
function failure(text: string): ManifestSyntaxError {
  let error: unknown;
  try {
    parseManifests(text);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ManifestSyntaxError);
  return error as ManifestSyntaxError;
}

describe('YAML 1.1 scalars as go-yaml v2 resolves them (where YAML 1.2 reads them differently)', () => {
  // resolve.go resolveMapList: exactly these spellings are booleans.
  test.each([
    ['on', true], ['On', true], ['ON', true], ['off', false], ['Off', false], ['OFF', false],
    ['yes', true], ['Yes', true], ['YES', true], ['no', false], ['No', false], ['NO', false],
    ['y', true], ['Y', true], ['n', false], ['N', false], ['true', true], ['False', false],
  ])('%s is the boolean %s', (text, value) => {
    expect(one(`enabled: ${text}\n`)).toEqual({ enabled: value });
  });

  test('other spellings and quoted booleans stay strings', () => {
    expect(one('a: yEs\nb: oN\nc: "on"\nd: \'no\'\ne: !!str yes\n')).toEqual({ a: 'yEs', b: 'oN', c: 'on', d: 'no', e: 'yes' });
  });

  // resolve.go: `plain := strings.Replace(in, "_", "", -1)` then strconv.ParseInt(plain, 0, 64): Go's base prefixes,
  // with a leading 0 meaning octal.
  test.each([
    ['010', 8], ['0o10', 8], ['-010', -8], ['0x1F', 31], ['0b101', 5], ['-0b101', -5], ['1_000', 1000], ['1__0', 10],
    ['0x_1F', 31], ['+12', 12], ['0', 0], ['00', 0],
  ])('%s is the integer %s', (text, value) => {
    expect(one(`mode: ${text}\n`)).toEqual({ mode: value });
  });

  // resolve.go: when ParseInt and ParseUint fail, `yamlStyleFloat` is tried on the same underscore-free text.
  test.each([
    ['08', 8], ['09', 9], ['1e3', 1000], ['1.', 1], ['.5', 0.5], ['+.5', 0.5], ['1_0.5', 10.5], ['-0.0', -0],
    ['0777777777777777777777777', 7.777777777777778e+23], // octal beyond uint64: read as a decimal float
  ])('%s is the float %s', (text, value) => {
    expect(one(`v: ${text}\n`)).toEqual({ v: value });
  });

  // resolve.go: "Base 60 floats are a bad idea, were dropped in YAML 1.2, and are purposefully unsupported here."
  // Timestamps resolve, but decode.go keeps them as the string written when decoding into interface{}.
  test.each([
    ['1:20'], ['190:20:30'], ['2001-12-14'], ['2001-12-14t21:59:43.10-05:00'], ['_1'], ['0o'], ['0b'], ['1e400'], ['0x1p-2'],
  ])('%s stays a string', (text) => {
    expect(one(`v: ${text}\n`)).toEqual({ v: text });
  });

  test('~, null, Null, NULL and empty are null; nULL is a string', () => {
    expect(one('a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: nULL\n')).toEqual({ a: null, b: null, c: null, d: null, e: null, f: 'nULL' });
  });

  test('integers above 2^53 are JSON numbers, with the precision a JavaScript number has', () => {
    // 18446744073709551615 (2^64 - 1) is 2^64 as a JavaScript number.
    expect(one('a: 9007199254740993\nb: 18446744073709551615\n')).toEqual({ a: 9007199254740992, b: 2 ** 64 });
  });

  // decode.go resolve(): an explicit tag must agree with what the text resolves to, except ints as !!float.
  test('explicit tags', () => {
    expect(one('a: !!int "010"\nb: !!str 010\nc: !!float 1\nd: !!bool "yes"\ne: !foo 010\nf: ! 010\ng: !!binary aGVsbG8=\n'))
      .toEqual({ a: 8, b: '010', c: 1, d: true, e: '010', f: '010', g: 'hello' });
    expect(failure('a: !!int abc\n').message).toBe('YAML syntax error at line 1, column 10: cannot decode !!str `abc` as a !!int');
  });

  // json.Marshal refuses NaN and infinities: kubectl fails with "json: unsupported value: +Inf".
  test('.inf and .nan cannot become JSON', () => {
    expect(failure('spec:\n  x: .inf\n').message).toMatch(/^YAML syntax error at line 2, column 6: json: unsupported value: \+Inf/);
    expect(failure('x: [.nan]\n').message).toMatch(/json: unsupported value: NaN/);
  });
});

describe('keys, as convertToJSONableObject turns them into JSON strings', () => {
  test('boolean, integer and float keys become strings', () => {
    // `on:` is the key "true", `010:` is "8"; floats use strconv.FormatFloat(f, 'g', -1, 32).
    expect(one('on: a\n010: b\n1.5: c\n1e6: d\n"on": e\n')).toEqual({ true: 'a', 8: 'b', 1.5: 'c', '1e+06': 'd', on: 'e' });
  });

  test('float keys are printed with 32-bit precision like Go', () => {
    expect([1, 100000, 1e6, 0.0001, 0.00001, 3.14159265358979, 1.5e-7, -2.5, 1e21].map(formatFloat32G))
      .toEqual(['1', '100000', '1e+06', '0.0001', '1e-05', '3.1415927', '1.5e-07', '-2.5', '1e+21']);
  });

  test('a null key, a collection key and a key above int64 are errors', () => {
    expect(failure('metadata:\n  ~: x\n').message).toMatch(/^YAML syntax error at line 2, column 3: unsupported map key of type: %!s\(<nil>\)/);
    expect(failure('? [a, b]\n: 1\n').message).toMatch(/invalid map key/);
    expect(failure('9223372036854775808: x\n').message).toMatch(/unsupported map key of type: uint64/);
  });

  // A Helm-style template `name: {{ .Name }}` is a flow map whose only key is the flow map `{ .Name }`.
  test('a flow collection as a key inside a flow mapping is an error too', () => {
    expect(failure('metadata:\n  name: {{ .Name }}\n').message)
      .toBe('YAML syntax error at line 2, column 10: invalid map key: a mapping or sequence cannot be a key in JSON');
    expect(one('a: {b, c: d}\n')).toEqual({ a: { b: null, c: 'd' } });
  });

  test('__proto__ is an ordinary key', () => {
    const obj = one('__proto__: {polluted: yes}\n');
    expect(Object.keys(obj)).toEqual(['__proto__']);
    expect(({} as any).polluted).toBeUndefined();
  });
});

describe('duplicate keys and merge keys', () => {
  // yaml.Unmarshal (not UnmarshalStrict) is what kubectl uses: decode.go setMapIndex overwrites unless d.strict.
  test('the last of duplicate keys wins, as kubectl apply sends it', () => {
    expect(one('kind: Service\nmetadata:\n  name: a\n  name: b\nkind: ConfigMap\n')).toEqual({ kind: 'ConfigMap', metadata: { name: 'b' } });
  });

  test('keys that become the same string: the last wins', () => {
    expect(one('y: 1\ntrue: 2\n')).toEqual({ true: 2 });
  });

  // decode.go mapping(): `<<` is merged in place, in document order; merge() steps backwards through a sequence
  // "as earlier nodes take precedence".
  test('merge keys follow go-yaml v2: keys before << are overwritten, keys after it win', () => {
    expect(one('base: &b {x: 1, z: 1}\nm:\n  x: 0\n  <<: *b\n  z: 2\n')).toEqual({ base: { x: 1, z: 1 }, m: { x: 1, z: 2 } });
    expect(one('a: &a {k: a}\nb: &b {k: b, j: b}\nm:\n  <<: [*a, *b]\n')).toEqual({ a: { k: 'a' }, b: { k: 'b', j: 'b' }, m: { k: 'a', j: 'b' } });
    expect(one('"<<": {k: v}\n')).toEqual({ '<<': { k: 'v' } });
    expect(failure('a: &a [1]\nm:\n  <<: *a\n').message).toBe('YAML syntax error at line 3, column 7: map merge requires map or sequence of maps as the value');
  });

  test('aliases are copies', () => {
    const obj = one('a: &x {k: [1]}\nb: *x\n');
    expect(obj.b).toEqual({ k: [1] });
    expect(obj.b).not.toBe(obj.a);
    expect(failure('a: *nope\n').message).toMatch(/unknown anchor 'nope' referenced/);
    expect(failure('a: &a [*a]\n').message).toMatch(/anchor 'a' value contains itself/);
  });
});

describe('documents', () => {
  test('multi-document text skips empty and null documents', () => {
    expect(parse('---\n# only a comment\n---\na: 1\n---\n\n---\nnull\n---\n~\n--- # a comment after the marker\nb: 2\n'))
      .toEqual([{ a: 1 }, { b: 2 }]);
  });

  test('--- alone, empty text and comments alone give no objects', () => {
    expect(parse('---\n')).toEqual([]);
    expect(parse('---\n---\n')).toEqual([]);
    expect(parse('')).toEqual([]);
    expect(parse('# nothing\n')).toEqual([]);
  });

  // YAMLReader.Read: "We only allow comments and spaces following the yaml doc separator".
  test('content after --- on the separator line is an error, as in kubectl', () => {
    expect(failure('a: 1\n--- {b: 2}\n').message).toBe('YAML syntax error at line 2, column 5: invalid Yaml document separator: {b: 2}');
  });

  test('only the first document of a chunk is read (go-yaml Unmarshal stops after it)', () => {
    expect(parse('a: 1\n...\nb: 2\n')).toEqual([{ a: 1 }]);
  });

  test('%YAML directives cannot be used: the chunk has lost its ---', () => {
    expect(failure('%YAML 1.1\n---\na: 1\n').message).toMatch(/^YAML syntax error at line 1, column 1: did not find expected <document start>/);
  });

  // libyaml (readerc.go / scannerc.go is_break) treats a lone CR as a line break, and kubectl's YAMLReader, which cuts
  // at LF, sees one chunk: a file with classic Mac line ends reads as YAML (istio releasenotes/notes/45413.yaml is one).
  test('lone CR line ends', () => {
    expect(parse('kind: bug-fix\rissue:\r  - 45413\r')).toEqual([{ kind: 'bug-fix', issue: [45413] }]);
  });

  test('CRLF line ends and a byte order mark', () => {
    expect(parse('\ufeffa: 1\r\nb:\r\n- x\r\n---\r\nc: |\r\n  t\r\n')).toEqual([{ a: 1, b: ['x'] }, { c: 't\n' }]);
  });

  test('a byte order mark at the start of a later document is dropped (go-yaml reads each chunk as its own input)', () => {
    // yaml_parser_determine_encoding (go-yaml v2 readerc.go) skips a mark at the start of every Unmarshal input.
    expect(parse('a: 1\n---\n\ufeffb: 2\n---\n\ufeff{c: 3}\n')).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    // Inside a document a mark is content, as before.
    expect(parse('a: "\ufeffx"\n')).toEqual([{ a: '\ufeffx' }]);
  });

  test('block and flow styles a manifest uses', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: cm # trailing comment',
      '  labels: {app: web, "tier": \'front\'}',
      '  annotations:',
      '    note: "tab\\there"',
      'data:',
      '  script: |',
      '    echo "hi"',
      '      indented',
      '',
      '    done',
      '  kept: |+',
      '    x',
      '',
      '  stripped: |-',
      '    y',
      '  list:',
      '  - a',
      '  - - b',
      '    - c',
      '  - k: v',
      '    j: w',
      '  empty: []',
      '  none: {}',
      '',
    ].join('\n');
    expect(one(text)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', labels: { app: 'web', tier: 'front' }, annotations: { note: 'tab\there' } },
      data: {
        script: 'echo "hi"\n  indented\n\ndone\n',
        kept: 'x\n\n',
        stripped: 'y',
        list: ['a', ['b', 'c'], { k: 'v', j: 'w' }],
        empty: [],
        none: {},
      },
    });
  });

  test('folded and multi-line scalars (read by the yaml package)', () => {
    expect(one('a: >\n  x\n  y\n\n  z\nb: plain\n  continued\n')).toEqual({ a: 'x y\nz\n', b: 'plain continued' });
  });
});

describe('JSON input (YAMLOrJSONDecoder)', () => {
  test('a JSON object and a JSON List', () => {
    expect(parse('{"apiVersion": "v1", "kind": "List", "items": [{"kind": "Service", "spec": {"on": "on"}}]}'))
      .toEqual([{ apiVersion: 'v1', kind: 'List', items: [{ kind: 'Service', spec: { on: 'on' } }] }]);
  });

  test('a stream of JSON objects', () => {
    expect(parse('{"a": 1}\n{"b": 2}  {"c": 3}\nnull\n')).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  test('JSON then YAML, and YAML that starts with {', () => {
    expect(parse('{"a": 1}\n---\nb: on\n')).toEqual([{ a: 1 }, { b: true }]);
    expect(parse('{a: on, b: [x, y]}\n')).toEqual([{ a: true, b: ['x', true] }]);
  });

  test('after two JSON values a bad one is a JSON error', () => {
    expect(failure('{"a": 1}\n{"b": 2}\nc: 3\n').message).toBe("YAML syntax error at line 3, column 1: json: invalid character 'c' looking for beginning of value");
  });
});

describe('errors', () => {
  test('a syntax error names the line and column in the whole file, on one line', () => {
    const e = failure('a: 1\n---\nb: 2\nc: [1,\n');
    expect(e.message).toMatch(/^YAML syntax error at line 5, column 1: [^\n]+$/);
    expect(e.line).toBe(5);
    expect(e.column).toBe(1);
    expect(e).toBeInstanceOf(Error);
  });

  test('the fixture with a syntax error', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'analysis', 'invalid', 'bad-syntax.yaml'), 'utf8');
    expect(failure(text).message).toMatch(/^YAML syntax error at line 7, column \d+: [^\n]+$/);
  });

  // scannerc.go yaml_parser_scan_to_next_token: tabs are skipped in block context only where no key can start.
  test('tabs as indentation or right after an indicator, which libyaml refuses', () => {
    expect(failure('a:\n\tb: 1\n').message).toMatch(/^YAML syntax error at line 2, column 1: /);
    expect(failure('a: 1\nb:\t2\n').message).toMatch(/^YAML syntax error at line 2, column 3: found character that cannot start any token/);
    expect(failure('- \tx\n').message).toMatch(/found character that cannot start any token/);
    expect(one('a: x\ty # tab inside a value\nb: [1,\t2]\n')).toEqual({ a: 'x\ty', b: [1, 2] });
  });

  // readerc.go: "control characters are not allowed".
  test('control characters', () => {
    expect(failure('a: "x\u0001"\n').message).toBe('YAML syntax error at line 1, column 6: control characters are not allowed');
  });
});

describe('robustness', () => {
  const deepBlock = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += ' '.repeat(i) + 'k:\n';
    return s + ' '.repeat(n) + 'v: 1\n';
  };

  test.each([
    ['block mappings', deepBlock(10000), /^YAML syntax error at line 501, column 501: document nested too deeply: more than 500 levels/],
    ['flow sequences', 'a: ' + '['.repeat(10000) + ']'.repeat(10000) + '\n', /^YAML syntax error at line 1, column 503: document nested too deeply/],
    ['compact sequences', '- '.repeat(10000) + 'x\n', /^YAML syntax error at line 1, column 1001: document nested too deeply/],
    ['JSON', '{"a":' + '['.repeat(10000) + ']'.repeat(10000) + '}', /^YAML syntax error at line 1, column 505: document nested too deeply/],
  ])('10000-deep %s: a nesting error, not a stack overflow', (_name, text, message) => {
    let error: unknown;
    try {
      parseManifests(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestSyntaxError);
    expect((error as Error).message).toMatch(message);
  });

  test(`an empty collection at level ${MAX_NESTING_DEPTH + 1} is one level too many`, () => {
    // js-yaml's maxDepth counts scalars as well; the reader counts collections
    expect(() => parseManifests('a: ' + '['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH) + '\n'))
      .toThrow(`YAML syntax error at line 1, column ${3 + MAX_NESTING_DEPTH}: document nested too deeply: more than ${MAX_NESTING_DEPTH} levels`);
  });

  test(`${MAX_NESTING_DEPTH} levels still parse`, () => {
    let v = parse(deepBlock(MAX_NESTING_DEPTH - 1))[0];
    let depth = 0;
    while (v && typeof v === 'object') {
      v = v.k ?? v.v;
      depth++;
    }
    expect(depth).toBe(MAX_NESTING_DEPTH);
    expect(parse('a: ' + '['.repeat(MAX_NESTING_DEPTH - 1) + ']'.repeat(MAX_NESTING_DEPTH - 1) + '\n')).toHaveLength(1);
  });

  test('a billion laughs fails fast with a clear message', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill('*' + prev).join(',')}]`);
    }
    const start = Date.now();
    expect(() => parseManifests(lines.join('\n') + '\n')).toThrow(/^YAML syntax error at line \d+, column \d+: document contains excessive aliasing/);
    expect(Date.now() - start).toBeLessThan(2000);
  });

  test('many objects: no spreading into push(), fast enough', () => {
    const doc = (i: number): string => `---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s${i}\nspec:\n  ports: [{port: 80}]\n`;
    const parts: string[] = [];
    for (let i = 0; i < 300000; i++) parts.push(doc(i));
    const start = Date.now();
    const docs = parseManifests(parts.join(''));
    expect(docs).toHaveLength(300000);
    expect(docs[299999].metadata.name).toBe('s299999');
    expect(Date.now() - start).toBeLessThan(20000);
  });
});
