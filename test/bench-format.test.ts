// The bench report's figures: a measured value never prints as its target unless it is the target.
import { describe, expect, it } from 'vitest';
import { formatMeasured, passed, type Check } from '../bench/checks.js';

const check = (value: number, target: number, unit: Check['unit'], atLeast: boolean): Check =>
  ({ name: 'a target', measured: { ok: true, value }, atLeast, target, unit });

describe('formatMeasured', () => {
  it.each([
    [1.0512, 1.05, 'times', false, false, '1.051x'],
    [1.048, 1.05, 'times', false, true, '1.048x'],
    [0.8996, 0.9, 'percent', true, false, '89.96%'],
    [64.04, 64, 'MiB', false, false, '64.04 MiB'],
  ] as const)('shows %d against %d (%s) with the digit that tells them apart', (value, target, unit, atLeast, pass, text) => {
    const measured = check(value, target, unit, atLeast);
    expect(passed(measured)).toBe(pass);
    expect(formatMeasured(value, measured)).toBe(text);
  });

  it.each([
    [1.05, 1.05, 'times', '1.05x'],
    [1.09, 1.05, 'times', '1.09x'],
    [0.959, 0.9, 'percent', '95.9%'],
    [42.5, 64, 'MiB', '42.5 MiB'],
  ] as const)('keeps the usual digits otherwise: %d against %d', (value, target, unit, text) => {
    expect(formatMeasured(value, check(value, target, unit, false))).toBe(text);
  });
});
