/**
 * The request corpus: raw HTTP/1.x bytes, valid and invalid, each with what must
 * happen. Written for this project from RFC 9112 and the design's decisions (Node's
 * parser is the first line; bad HTTP gets a 4xx with Connection: close or a clean
 * close; never a crash, a hang or a smuggled request).
 */

/** What the app must be called with for one request. */
export interface Seen {
  /** Default GET. */
  method?: string;
  /** SCRIPT_NAME + PATH_INFO, so the check holds for a mounted app too. */
  path: string;
  /** Default ''. */
  query?: string;
  /** Environ keys that must have these values (null: must be absent). */
  environ?: Record<string, string | null>;
  /** The whole body wsgi.input gave, as latin-1. Default ''. */
  body?: string;
}

/**
 * After the responses to `seen`: 'open' (the connection serves the next request),
 * 'close' (the server closes it with nothing more), the status of the rejection the
 * server sends (with Connection: close) before it closes, or 'abort' for a body that
 * breaks after a valid head: the app may have started, it never gets the whole body,
 * and the connection closes, after at most an error response (4xx or 5xx, Connection: close).
 */
export type Then = 'open' | 'close' | 'abort' | number;

export interface Fixture {
  /** `group/name`, unique. */
  name: string;
  /** The bytes, as latin-1 text. */
  raw: string;
  /** The requests the app is called for, in order (none when the first is rejected). */
  seen: Seen[];
  then: Then;
  /** Only where the standalone server's own limits apply (urlLengthLimit, eventlet's header line limit). */
  standaloneOnly?: boolean;
  /** Front ends (by name) whose framework answers this request itself, by design, with why. */
  notOn?: Record<string, string>;
}

/** A fixture without its group prefix, as the group files write them. */
export type Case = Omit<Fixture, 'name'>;

/** A request's bytes from its lines (CRLF-joined, ending the head) and a body as is. */
export const http = (lines: string[], body = ''): string => `${lines.join('\r\n')}\r\n\r\n${body}`;

/** The usual first lines: a request line and Host. */
export const head = (requestLine: string, ...headers: string[]): string[] => [requestLine, 'Host: example.test', ...headers];

/** A valid request the app sees once, the connection kept. */
export const accepted = (raw: string, seen: Seen, then: Then = 'open'): Case => ({ raw, seen: [seen], then });

/** A request rejected before the app is called. */
export const rejected = (raw: string, then: Then = 400, extra: Partial<Case> = {}): Case => ({ raw, seen: [], then, ...extra });

/** Name every case of a group. */
export const group = (prefix: string, cases: Record<string, Case>): Fixture[] =>
  Object.entries(cases).map(([name, fixture]) => ({ name: `${prefix}/${name}`, ...fixture }));
