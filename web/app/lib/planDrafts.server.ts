import type { AppLoadContext } from '@remix-run/node';
import { CreatePlanDraftDocument, UpdatePlanDraftDocument } from '~/graphql/generated';
import { invalid, mutate, type ActionFailure } from './api.server';
import { draftInput, placeFieldErrors, valuesFromForm, type PlanFormValues } from './planForm';
import { safeRedirect } from './redirects.server';

export type DraftFailure = ActionFailure & { intent: 'save'; values: PlanFormValues };

/**
 * Saves the editor's form as a new draft (no `planId`) or over the draft `planId`, then shows it. A
 * refusal comes back with the form as it was sent and each problem next to its input; nothing is written.
 */
export async function saveDraft({
  context,
  request,
  form,
  planId,
}: {
  context: AppLoadContext;
  request: Request;
  form: FormData;
  planId?: string;
}): Promise<Response | DraftFailure> {
  const values = valuesFromForm(form);
  const draft = draftInput(values);
  if (!draft.ok) return { ...invalid(draft.fieldErrors), intent: 'save', values };
  const outcome = planId
    ? await mutate(context, request, UpdatePlanDraftDocument, { id: planId, input: draft.input })
    : await mutate(context, request, CreatePlanDraftDocument, { input: draft.input });
  if (outcome.ok) {
    const saved =
      'updatePlanDraft' in outcome.data ? outcome.data.updatePlanDraft : outcome.data.createPlanDraft;
    return safeRedirect(`/admin/catalog/${saved.id}?done=${planId ? 'saved' : 'created'}`);
  }
  const { byInput, unplaced } = placeFieldErrors(outcome.fieldErrors, values);
  const marked = Object.keys(byInput).length > 0;
  return {
    ...outcome,
    formError: marked
      ? ['Please correct the fields marked below.', ...unplaced].join(' ')
      : unplaced.length > 0
        ? unplaced.join('; ')
        : outcome.formError,
    fieldErrors: byInput,
    intent: 'save',
    values,
  };
}
