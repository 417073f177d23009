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

let cachedSecond = -1;
let cachedDate = '';

/** The Date header value for now, formatted once a second rather than once a request. */
export function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = formatDateTime(second);
  }
  return cachedDate;
}
