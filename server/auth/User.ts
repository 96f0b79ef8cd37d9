import { BaseModel } from '../db/BaseModel';

export class User extends BaseModel {
  static override tableName = 'users';

  id!: string;
  email!: string;
  name!: string | null;
  passwordHash!: string | null;
  isPlatformAdmin!: boolean;
  /** The language the web app writes in (BCP 47); null follows the browser. */
  locale!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
  deletedAt!: Date | null;
}
