import { BaseModel } from '../db/BaseModel';

/** A bundle of credits for sale, by hand (Checkout) or by automatic top-up. */
export class CreditPackage extends BaseModel {
  static override tableName = 'credit_packages';

  id!: string;
  key!: string;
  name!: string;
  /** Milli-credits. */
  credits!: number;
  priceAmount!: number;
  currency!: string;
  availableForPurchase!: boolean;
  availableForAutoTopUp!: boolean;
  active!: boolean;
  displayOrder!: number;
  stripeProductId!: string | null;
  stripePriceId!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}
