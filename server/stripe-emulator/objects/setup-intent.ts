import type Stripe from 'stripe';
import { newId, randomToken } from '../store/ids';

export interface SetupIntentFields {
  customer: string | null;
  paymentMethod: string | null;
  description: string | null;
  metadata: Record<string, string>;
  usage: 'on_session' | 'off_session';
  allowedPaymentMethodTypes: 'card'[] | null;
  created: number;
}

export function newSetupIntent(fields: SetupIntentFields): Stripe.SetupIntent {
  const id = newId('setup_intent');
  return {
    id,
    object: 'setup_intent',
    allowed_payment_method_types: fields.allowedPaymentMethodTypes,
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomToken(32)}`,
    created: fields.created,
    customer: fields.customer,
    description: fields.description,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: fields.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: fields.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    single_use_mandate: null,
    status: fields.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    usage: fields.usage,
  };
}
