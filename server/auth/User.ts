import { BaseModel } from '../db/BaseModel';

export class User extends BaseModel {
  static override tableName = 'users';

  id!: string;
  email!: string;
  name!: string | null;
  passwordHash!: string | null;
  isPlatformAdmin!: boolean;
  createdAt!: Date;
  updatedAt!: Date;
  deletedAt!: Date | null;
}
