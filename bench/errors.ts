/** What went wrong, for a line of the report: an error's message, or the thrown value. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
