import { validator, type ValidationError, type WsgiApp } from '@wsgi-bridge/core';

/** An app run through the core's validator, with what it found kept for the test to assert on. */
export type Validated = WsgiApp & {
  /** Broken rules (each also raised where it happened). */
  violations: ValidationError[];
  /** Warnings (each also written to wsgi.errors). */
  warnings: ValidationError[];
};

/** Wrap `app` in `validator()` and collect its findings: `expect(app.violations).toEqual([])`. */
export function validated(app: WsgiApp): Validated {
  const violations: ValidationError[] = [];
  const warnings: ValidationError[] = [];
  const checked = validator(app, {
    onViolation: (violation) => (violation.warning ? warnings : violations).push(violation),
  });
  return Object.assign(checked, { violations, warnings });
}

/** The rule ids of a list of findings, for compact assertions. */
export const rulesOf = (found: ValidationError[]): string[] => found.map((violation) => violation.rule);
