import { describe, expect, it } from 'vitest';
import { wrapFocusTarget } from './useFocusTrap.js';

describe('wrapFocusTarget', () => {
  const els = ['cancel', 'reason', 'confirm'];
  it('wraps at both ends and leaves the middle to the browser', () => {
    expect(wrapFocusTarget(els, 'confirm', false)).toBe('cancel');
    expect(wrapFocusTarget(els, 'cancel', true)).toBe('confirm');
    expect(wrapFocusTarget(els, 'reason', false)).toBeNull();
    expect(wrapFocusTarget(els, 'reason', true)).toBeNull();
  });
  it('pulls focus back in from outside, and does nothing with nothing focusable', () => {
    expect(wrapFocusTarget(els, null, false)).toBe('cancel');
    expect(wrapFocusTarget(els, null, true)).toBe('confirm');
    expect(wrapFocusTarget([], null, false)).toBeNull();
  });
});
