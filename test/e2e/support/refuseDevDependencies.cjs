// Preloaded (`node --require`) into the compiled server by the production build's test: any attempt to
// load a development dependency, or tsx, throws, as it would after `npm ci --omit=dev`. tsx stays a
// runtime dependency only for `npm start`; the compiled server must not need it.
const Module = require('node:module');
const { join } = require('node:path');

const { devDependencies } = require(join(__dirname, '../../../package.json'));
const refused = [...Object.keys(devDependencies), 'tsx'];
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveRuntimeDependency(request, ...rest) {
  if (refused.some((name) => request === name || request.startsWith(`${name}/`)))
    throw new Error(`the production build loaded ${request}, which \`npm ci --omit=dev\` does not install`);
  return resolve.call(this, request, ...rest);
};
