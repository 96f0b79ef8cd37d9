import { fileURLToPath } from 'node:url';
import { vitePlugin as remix } from '@remix-run/dev';
import { defineConfig } from 'vite';

/**
 * The web app: Remix on Vite. `npm run build` writes build/client (static assets) and
 * build/server/index.js, a CommonJS module so the CommonJS server can require it in production.
 */
export default defineConfig({
  // Rooted at the repository (Remix reads its package.json there); the app itself lives in web/app.
  root: fileURLToPath(new URL('..', import.meta.url)),
  cacheDir: '.cache/vite',
  resolve: { alias: { '~': fileURLToPath(new URL('./app', import.meta.url)) } },
  // The API's own files never reach the browser; the app talks to them only through loaders and actions.
  server: { fs: { strict: true } },
  // Recharts is bundled for the browser up front: found only when a chart page is first opened, it would
  // be bundled then with a second copy of React, and that page would fail to hydrate until a reload.
  // @remix-run/node is server-only and never loaded by the browser; found while route modules were read,
  // it made Vite re-bundle the browser's dependencies mid-session and reload the open page.
  optimizeDeps: { include: ['recharts'], exclude: ['@remix-run/node'] },
  build: { emptyOutDir: true },
  plugins: [
    remix({
      appDirectory: 'web/app',
      buildDirectory: 'build',
      serverModuleFormat: 'cjs',
      ignoredRouteFiles: ['**/*.test.*'],
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
        v3_singleFetch: true,
      },
    }),
  ],
});
