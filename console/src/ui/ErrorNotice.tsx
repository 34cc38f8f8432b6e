/** What went wrong: a failed call in the API's own words (an ApiError), or a problem found before calling. */
export function ErrorNotice({ error, context }: { error: Error | undefined; context?: string }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      {context ? <strong>{context}: </strong> : null}
      {error.message}
    </div>
  );
}
