import type { RelationMappings } from 'objection';
import { BaseModel } from '../db/BaseModel';
import type { PartnerEventType } from './eventTypes';

/** One change partners may hear of: the outbox row, written with the change itself. */
export class PartnerEvent extends BaseModel {
  static override tableName = 'partner_events';
  static override jsonAttributes = ['payload'];

  id!: string;
  /** null only for test events, which belong to no account. */
  accountId!: string | null;
  accountExternalId!: string | null;
  /** 1, 2, 3... per account, in the order the changes committed; null for test events. */
  sequence!: number | null;
  type!: PartnerEventType;
  /** The object as the API shows it, in plain JSON (amounts in minor units with their currency). */
  payload!: Record<string, unknown>;
  dedupeKey!: string | null;
  /** When its deliveries were made; null while the job has not seen it. */
  fannedOutAt!: Date | null;
  createdAt!: Date;
}

/** Where a partner wants events: platform-wide (accountId null) or for one account. */
export class WebhookEndpoint extends BaseModel {
  static override tableName = 'webhook_endpoints';
  // event_types is a Postgres text[]: pg writes arrays as such, so Objection must not turn it into JSON.
  static override jsonAttributes: string[] = [];

  id!: string;
  accountId!: string | null;
  url!: string;
  description!: string;
  /** The types it wants; empty for all. */
  eventTypes!: string[];
  enabled!: boolean;
  disabledReason!: string | null;
  /** whsec_ + base64 of 24 random bytes: what deliveries are signed with. */
  secret!: string;
  /** The secret before the last rotation, still signing until `previousSecretExpiresAt`. */
  previousSecret!: string | null;
  previousSecretExpiresAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One event to one endpoint. */
export class WebhookDelivery extends BaseModel {
  static override tableName = 'webhook_deliveries';

  id!: string;
  endpointId!: string;
  eventId!: string;
  accountId!: string | null;
  sequence!: number | null;
  status!: WebhookDeliveryStatus;
  attemptCount!: number;
  nextAttemptAt!: Date;
  lastAttemptAt!: Date | null;
  succeededAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;

  event?: PartnerEvent;
  attempts?: WebhookDeliveryAttempt[];

  static override get relationMappings(): RelationMappings {
    return {
      event: {
        relation: BaseModel.BelongsToOneRelation,
        modelClass: PartnerEvent,
        join: { from: 'webhook_deliveries.eventId', to: 'partner_events.id' },
      },
      attempts: {
        relation: BaseModel.HasManyRelation,
        modelClass: WebhookDeliveryAttempt,
        join: { from: 'webhook_deliveries.id', to: 'webhook_delivery_attempts.deliveryId' },
      },
    };
  }
}

/** What one try of a delivery got back. */
export class WebhookDeliveryAttempt extends BaseModel {
  static override tableName = 'webhook_delivery_attempts';

  id!: string;
  deliveryId!: string;
  attemptedAt!: Date;
  statusCode!: number | null;
  latencyMs!: number;
  /** The first kilobyte of the response body. */
  responseExcerpt!: string | null;
  error!: string | null;
}
