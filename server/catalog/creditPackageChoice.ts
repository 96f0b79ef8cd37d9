import { z } from 'zod';
import { CreditPackage } from './CreditPackage';

/**
 * How the API names a credit package: by its id (`creditPackageId`) or by its key (`creditPackageKey`).
 * Exactly one of the two.
 */
export const creditPackageChoiceInput = {
  creditPackageId: z.string().uuid('is not a credit package id').nullish(),
  creditPackageKey: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters').nullish(),
};

export interface CreditPackageChoice {
  creditPackageId?: string | null;
  creditPackageKey?: string | null;
}

/** Refuses both or neither, naming both fields (for a zod object's `superRefine`). */
export function checkCreditPackageChoice(choice: CreditPackageChoice, context: z.RefinementCtx): void {
  if (!choice.creditPackageId !== !choice.creditPackageKey) return;
  const message = choice.creditPackageId
    ? 'give creditPackageId or creditPackageKey, not both'
    : 'give creditPackageId or creditPackageKey';
  context.addIssue({ code: 'custom', path: ['creditPackageId'], message });
  context.addIssue({ code: 'custom', path: ['creditPackageKey'], message });
}

/** The input field a problem with the chosen package is reported against. */
export const creditPackageField = (choice: CreditPackageChoice) =>
  choice.creditPackageKey ? 'creditPackageKey' : 'creditPackageId';

/** The package named, whatever its state: the caller decides whether it may be used. */
export async function findChosenCreditPackage(
  choice: CreditPackageChoice,
): Promise<CreditPackage | undefined> {
  return choice.creditPackageKey
    ? CreditPackage.query().findOne({ key: choice.creditPackageKey })
    : CreditPackage.query().findById(choice.creditPackageId!);
}
