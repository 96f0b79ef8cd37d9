import { BaseModel } from '../db/BaseModel';

export type MeterAggregation = 'sum' | 'count' | 'max' | 'unique_count' | 'latest';

/** Something usage is recorded against, and how its events add up over a period. */
export class Meter extends BaseModel {
  static override tableName = 'meters';

  id!: string;
  key!: string;
  name!: string;
  aggregation!: MeterAggregation;
  /** For unique_count: the event property whose distinct values are counted. */
  fieldName!: string | null;
  unit!: string;
  /** Milli-credits one unit costs when paid for with credits. */
  creditCostPerUnit!: number | null;
  active!: boolean;
  createdAt!: Date;
  updatedAt!: Date;
}
