// Single-key shortcuts for a page (j/k, c, f, …). They stay out of the way of typing: a key pressed in a
// text field, a select or a slider, with a modifier, or while a dialog is open belongs to that control.
// A handler that returns false leaves the key to the browser.
import { useEffect, useLayoutEffect, useRef } from 'react';

export type Shortcuts = Record<string, (event: KeyboardEvent) => void | false>;

export function useShortcuts(shortcuts: Shortcuts): void {
  const current = useRef(shortcuts);
  // Before paint: a key pressed as soon as the page shows a new state gets that state's handlers.
  useLayoutEffect(() => {
    current.current = shortcuts;
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isEditable(event.target) || document.querySelector('dialog[open]')) return;
      const run = current.current[event.key];
      if (!run) return;
      if (run(event) !== false) event.preventDefault();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}

const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset']);

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !NON_TEXT_INPUTS.has(target.type);
}
