import { extname, join } from 'node:path';

/**
 * Where the running code is. From source (`npm start`, tests) the TypeScript files run through tsx; after
 * `npm run build` the same tree, compiled, runs under plain Node from build/app/.
 */
export const runningCompiled = extname(__filename) === '.js';

/** The folder holding server/, migrations/ and seeds/: the repository, or build/app when compiled. */
export const codeRoot = join(__dirname, '..');

/** The repository itself: package.json, node_modules, web/ and the build/ folder. */
export const packageRoot = runningCompiled ? join(codeRoot, '../..') : codeRoot;
