/**
 * Bad training input, bad parameters or a malformed model artifact: something the caller can fix.
 * The message names the field and the problem, so an API layer can pass it through as a 4xx.
 */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
}
