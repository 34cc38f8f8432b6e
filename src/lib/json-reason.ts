// JSON.parse's complaint, fit to repeat to whoever sent the text.

/**
 * The parser's reason without the excerpt of the body V8 quotes into some of its messages
 * (`Unexpected token 'x', "[4111…,x]" is not valid JSON`): a body may carry a card number or a secret.
 */
export function parserReason(message: string): string {
  const reason = message.replace(/,? ?"[^]*"(\.\.\.)? is not valid JSON$/, '');
  return reason === '' ? '' : `: ${reason}`;
}
