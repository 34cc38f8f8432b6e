// A rule expression that does not compile: the API's message, and the line it points at with a caret
// under the column, the way a compiler shows it.
import type { SourcePosition } from '../api/types';

export function ExpressionError({ id, message, position, expression }: { id: string; message: string; position: SourcePosition; expression: string }) {
  const lines = expression.split('\n');
  const line = lines[position.line - 1] ?? '';
  const gutter = `${position.line} | `;
  return (
    <div id={id} className="notice notice-error expression-error" role="alert">
      <p>
        <strong>Does not compile:</strong> {message}
      </p>
      <pre aria-hidden="true">
        <code>
          {gutter}
          {line.slice(0, position.column - 1)}
          <mark className="error-position">{line.slice(position.column - 1, position.column) || ' '}</mark>
          {line.slice(position.column)}
          {'\n'}
          {' '.repeat(gutter.length)}
          {caretIndent(line.slice(0, position.column - 1))}
          <span className="error-caret">^</span>
        </code>
      </pre>
    </div>
  );
}

/** What puts the caret under the column: a space for each character before it, but a tab where the line has one (a tab stop is wider than a space). */
function caretIndent(before: string): string {
  return before.replace(/[^\t]/g, ' ');
}
