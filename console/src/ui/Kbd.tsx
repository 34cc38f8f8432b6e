/** A key hint shown on a button; the button's aria-keyshortcuts tells assistive technology. */
export function Kbd({ children }: { children: string }) {
  return (
    <kbd aria-hidden="true" className="key-hint">
      {children}
    </kbd>
  );
}
