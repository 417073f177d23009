const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/**
 * eventlet's `format_date_time(ts)`: an RFC 7231 date from Unix seconds,
 * e.g. `Wed, 05 Aug 2026 09:39:08 GMT`.
 */
export function formatDateTime(ts: number): string {
  const d = new Date(ts * 1000);
  return `${DAYS[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ` +
    `${String(d.getUTCFullYear()).padStart(4, ' ')} ${pad2(d.getUTCHours())}:` +
    `${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`;
}

let cached: string | undefined;

/**
 * The Date header value for now. As Node's own, it is formatted once and forgotten at
 * the next second boundary, so a request pays a variable read, not a clock read.
 */
export function httpDate(): string {
  if (cached === undefined) {
    const now = Date.now();
    cached = formatDateTime(Math.floor(now / 1000));
    setTimeout(forget, 1000 - (now % 1000)).unref();
  }
  return cached;
}

function forget(): void {
  cached = undefined;
}
