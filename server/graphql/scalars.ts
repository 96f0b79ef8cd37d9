import { GraphQLError, GraphQLScalarType, Kind, type GraphQLScalarTypeConfig } from 'graphql';

/**
 * A custom scalar as the resolver map gives it: its coercion, and no description of its own, so that the
 * served schema keeps the one its module writes (graphql-tools copies every enumerable property of the
 * resolver onto the type, an undefined description included).
 */
export function customScalar<Internal, External>(
  config: Omit<GraphQLScalarTypeConfig<Internal, External>, 'description'>,
): GraphQLScalarType<Internal, External> {
  const scalar = new GraphQLScalarType(config);
  Object.defineProperty(scalar, 'description', { value: undefined, enumerable: false });
  return scalar;
}

/** Integers a JSON number carries exactly. Money and credits are always these, never floats. */
export const SafeIntScalar = customScalar<number, number>({
  name: 'SafeInt',
  serialize(value) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new GraphQLError(`SafeInt cannot represent ${String(value)}`);
    return value;
  },
  parseValue(value) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new GraphQLError(
        `SafeInt must be a whole number between -(2^53-1) and 2^53-1; got ${JSON.stringify(value)}`,
      );
    }
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT) throw new GraphQLError('SafeInt must be a whole number literal');
    const value = Number(ast.value);
    if (!Number.isSafeInteger(value)) throw new GraphQLError(`SafeInt ${ast.value} is out of range`);
    return value;
  },
});

/** ISO-8601 instants in UTC. */
export const DateTimeScalar = customScalar<Date, string>({
  name: 'DateTime',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return parseDate(ast.value);
  },
});

/** `2026-01-31T12:00:00Z`: a date, a time (seconds and a fraction optional) and a zone, nothing else. */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Strict ISO-8601: every part must exist on the calendar and the clock as written. JavaScript's Date
 * would roll 2026-02-30 over to March 2 and 24:00 to the next day; a date that is not real is refused
 * instead of being stored as another one.
 */
function parseDate(value: unknown): Date {
  const match = typeof value === 'string' ? ISO_INSTANT.exec(value) : null;
  if (!match) {
    throw new GraphQLError(
      `DateTime must be an ISO-8601 string with a time zone, e.g. 2026-01-31T12:00:00Z; got ${JSON.stringify(value)}`,
    );
  }
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 9, 10].map(
    (group) => Number(match[group] ?? 0),
  ) as [number, number, number, number, number, number, number, number];
  const real =
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!real) throw new GraphQLError(`DateTime ${String(value)} is not a real date and time`);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number((match[7] ?? '').padEnd(3, '0').slice(0, 3)));
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (match[8] === '-' ? -1 : 1);
  return new Date(date.getTime() - offsetMs);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
