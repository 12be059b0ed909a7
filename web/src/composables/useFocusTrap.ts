/**
 * Keeps Tab inside the rollback dialog. A modal <dialog> makes the page behind it
 * inert, but Chromium still lets Tab leave the dialog for the browser's own UI
 * (and headless, for the document), so the ends are wrapped here.
 */

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Where focus should go for a Tab press, or null to let the browser move it:
 * from the last element forwards → the first; from the first backwards → the last;
 * from outside the list → the first (pure).
 */
export function wrapFocusTarget<T>(focusables: readonly T[], active: T | null, backwards: boolean): T | null {
  if (focusables.length === 0) return null;
  const first = focusables[0];
  const last = focusables[focusables.length - 1];
  const i = active === null ? -1 : focusables.indexOf(active);
  if (i === -1) return backwards ? last : first;
  if (!backwards && i === focusables.length - 1) return first;
  if (backwards && i === 0) return last;
  return null;
}

/** A keydown handler for the container: wraps Tab and Shift+Tab at its ends. */
export function trapTabKey(container: HTMLElement, ev: KeyboardEvent): void {
  if (ev.key !== 'Tab') return;
  const focusables = [...container.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.hasAttribute('inert'));
  const active = container.ownerDocument.activeElement as HTMLElement | null;
  const target = wrapFocusTarget(focusables, active && container.contains(active) ? active : null, ev.shiftKey);
  if (target) {
    ev.preventDefault();
    target.focus();
  }
}
