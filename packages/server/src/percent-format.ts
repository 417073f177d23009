// Python's %-format with a mapping (`%(name)s`, `%(wall_seconds).6f`, `%(status_code)5d`),
// compiled once into parts so formatting a line per request is a loop of appends.

/** The values a compiled format reads, by key. */
export type LogValues = Record<string, string | number>;

type Part = string | ((values: LogValues) => string);

const SPEC = /%(?:\(([^)]*)\))?([-#0 +]*)(\d+)?(?:\.(\d+))?([sdirfFxXoeEgG%])/g;

/**
 * Compile a %-format once. With `keys`, a key outside them is an error now rather than
 * on every line (Python would raise KeyError per request).
 */
export function compileLogFormat(format: string, keys?: readonly string[]): (values: LogValues) => string {
  const parts: Part[] = [];
  let last = 0;
  for (const match of format.matchAll(SPEC)) {
    if (match.index > last) parts.push(format.slice(last, match.index));
    last = match.index + match[0].length;
    const [, key, flags = '', width, precision, type] = match;
    if (type === '%') {
      parts.push('%');
      continue;
    }
    if (key === undefined) throw new Error(`log format: ${match[0]} needs a key, as in %(client_ip)s`);
    if (keys !== undefined && !keys.includes(key)) throw new Error(`log format: unknown key ${key} (known: ${keys.join(', ')})`);
    parts.push(field(key, flags, width === undefined ? 0 : Number(width), precision, type!));
  }
  if (last < format.length) parts.push(format.slice(last));
  return (values) => {
    let line = '';
    for (const part of parts) line += typeof part === 'string' ? part : part(values);
    return line;
  };
}

function field(key: string, flags: string, width: number, precision: string | undefined, type: string): Part {
  const left = flags.includes('-');
  const zero = flags.includes('0') && !left && type !== 's' && type !== 'r';
  const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  return (values) => {
    const value = values[key];
    if (value === undefined) throw new Error(`log format: unknown key ${key}`);
    let text = render(value, type, precision);
    if (sign && /^[0-9]/.test(text) && type !== 's' && type !== 'r') text = sign + text;
    if (text.length >= width) return text;
    if (left) return text.padEnd(width);
    if (zero) {
      const neg = /^[-+ ]/.test(text) ? text[0]! : '';
      return neg + text.slice(neg.length).padStart(width - neg.length, '0');
    }
    return text.padStart(width);
  };
}

function render(value: string | number, type: string, precision: string | undefined): string {
  const digits = precision === undefined ? undefined : Number(precision);
  switch (type) {
    case 's':
      return digits === undefined ? String(value) : String(value).slice(0, digits);
    case 'r':
      return typeof value === 'string' ? `'${value}'` : String(value);
    case 'd':
    case 'i':
      return String(Math.trunc(Number(value)));
    case 'x':
      return Math.trunc(Number(value)).toString(16);
    case 'X':
      return Math.trunc(Number(value)).toString(16).toUpperCase();
    case 'o':
      return Math.trunc(Number(value)).toString(8);
    case 'e':
    case 'E': {
      const text = Number(value).toExponential(digits ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      return type === 'E' ? text.toUpperCase() : text;
    }
    case 'g':
    case 'G':
      return String(Number(Number(value).toPrecision(digits || 6)));
    default: // f, F
      return Number(value).toFixed(digits ?? 6);
  }
}
