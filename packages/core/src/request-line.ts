/**
 * What an exchange needs of the request itself, beyond its environ and body: the method
 * (a HEAD response carries no body) and the target, for log lines. A Node
 * IncomingMessage is one as it is; a Fetch `Request` is one too (its `url` absolute).
 */
export interface RequestLine {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
}
