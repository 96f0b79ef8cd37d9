import type { Resolvers } from '../generated/resolvers';
import { DateTimeScalar, SafeIntScalar } from '../scalars';

export const commonResolvers: Resolvers = {
  SafeInt: SafeIntScalar,
  DateTime: DateTimeScalar,
};
