import type { ActionFailure } from './api.server';

/**
 * What the meter and credit package forms (/admin/catalog/meters, /admin/catalog/credit-packages) share:
 * the form's fields read as text, so a refused form comes back exactly as it was sent, and the API's
 * field errors placed next to the input they concern.
 */

/** A form field as trimmed text ('' when absent), and a checkbox as whether it was ticked. */
export function formReader(form: FormData) {
  return {
    text: (name: string) => {
      const value = form.get(name);
      return typeof value === 'string' ? value.trim() : '';
    },
    checked: (name: string) => form.get(name) !== null,
  };
}

/**
 * Puts each of the API's field errors next to its input: inputs are named after the API's fields but
 * for `renames` (an amount typed in major units, credits typed in credits). A problem with no input is
 * said in the form's message.
 */
export function placeFieldErrors(
  failure: ActionFailure,
  inputs: readonly string[],
  renames: Record<string, string> = {},
): ActionFailure {
  const fieldErrors: Record<string, string> = {};
  const unplaced: string[] = [];
  for (const [path, problem] of Object.entries(failure.fieldErrors)) {
    const input = renames[path] ?? path;
    if (inputs.includes(input)) fieldErrors[input] = problem.charAt(0).toUpperCase() + problem.slice(1);
    else unplaced.push(`${path}: ${problem}`);
  }
  const marked = Object.keys(fieldErrors).length > 0;
  return {
    ...failure,
    fieldErrors,
    formError: marked
      ? ['Please correct the fields marked below.', ...unplaced].join(' ')
      : unplaced.join('; ') || failure.formError,
  };
}
