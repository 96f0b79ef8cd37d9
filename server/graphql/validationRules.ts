import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorCallbackConfiguration } from '@escape.tech/graphql-armor-types';
import { GraphQLError, Kind, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';
import { QueryTooComplexError, type QueryLimit } from '../errors';

/**
 * What one GraphQL document may ask for. Every figure is measured in time linear in the document:
 * each fragment is measured once and its result reused at every spread, so a document whose fragments
 * spread each other twice over (2^n fields from a few hundred bytes) is refused as fast as it is read.
 * The web app's largest query (the invoices page) has about 180 tokens, 2 fragments, depth 7 and cost
 * 1,900; partners send large batches as variables, which no limit counts.
 */
export const QUERY_LIMITS = {
  /** Lexical tokens, counted by the parser, which stops at the limit (comments are not tokens). */
  maxTokens: 2000,
  maxFragments: 30,
  /** Nested fields; fragments and inline fragments add no level. */
  maxDepth: 10,
  maxAliases: 30,
  maxDirectives: 20,
  /**
   * Roughly the values a query resolves: 1 per scalar, 2 per object, the selection under a list field
   * times its literal `first` (a page size given as a variable counts once; services cap it at 100).
   */
  maxCost: 5000,
} as const satisfies Record<string, number>;

type Measurement = (options: GraphQLArmorCallbackConfiguration) => (context: ValidationContext) => object;

/**
 * GraphQL Armor measures each operation; it is told no limit of its own and reports what it found, so
 * the refusal is ours: one typed error (QUERY_TOO_COMPLEX) naming the limit, its maximum and the figure.
 */
function limitedBy(limit: QueryLimit, maximum: number, measure: Measurement): ValidationRule {
  return (context) =>
    measure({
      propagateOnRejection: false,
      onAccept: [
        (_context, { n }: { n: number }) => {
          if (n > maximum) context.reportError(tooComplex(limit, maximum, n));
        },
      ],
    })(context) as ASTVisitor;
}

function maxFragmentsRule(maximum: number): ValidationRule {
  return (context) => ({
    Document(document) {
      const fragments = document.definitions.filter((node) => node.kind === Kind.FRAGMENT_DEFINITION).length;
      if (fragments > maximum) context.reportError(tooComplex('fragments', maximum, fragments));
    },
  });
}

function tooComplex(limit: QueryLimit, maximum: number, found: number): GraphQLError {
  const error = new QueryTooComplexError(limit, maximum, found);
  return new GraphQLError(error.message, { originalError: error });
}

export function queryLimitRules(limits = QUERY_LIMITS): ValidationRule[] {
  return [
    maxFragmentsRule(limits.maxFragments),
    limitedBy('depth', limits.maxDepth, (callbacks) =>
      maxDepthRule({ ...callbacks, n: Infinity, flattenFragments: true, ignoreIntrospection: true }),
    ),
    limitedBy('aliases', limits.maxAliases, (callbacks) => maxAliasesRule({ ...callbacks, n: Infinity })),
    limitedBy('directives', limits.maxDirectives, (callbacks) =>
      maxDirectivesRule({ ...callbacks, n: Infinity }),
    ),
    limitedBy('cost', limits.maxCost, (callbacks) =>
      costLimitRule({
        ...callbacks,
        maxCost: Infinity,
        objectCost: 2,
        scalarCost: 1,
        depthCostFactor: 1,
        flattenFragments: true,
        ignoreIntrospection: true,
      }),
    ),
  ];
}

/**
 * The parser refuses a document beyond maxTokens with a syntax error (graphql-js words it "Document
 * contains more that N tokens"); this recognises it, so that it is reported as the limit it is.
 */
export function tokenLimitExceeded(message: string): QueryTooComplexError | null {
  const match = /Document contains more th(?:at|an) (\d+) tokens/.exec(message);
  return match ? new QueryTooComplexError('tokens', Number(match[1])) : null;
}
