// Lints sources given on stdin ([{ file, source }]) as if they stood at those paths, and prints each one's
// errors. A separate process because ESLint loads its flat config as an ES module, which Jest cannot.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';

const root = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });
const cases = JSON.parse(await text(process.stdin));
const results = [];
for (const { file, source } of cases) {
  const [result] = await eslint.lintText(source, { filePath: join(root, file) });
  results.push(result.messages.filter((message) => message.severity === 2).map((message) => message.message));
}
process.stdout.write(JSON.stringify(results));
