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
  // Bundled for the browser up front: found only when a chart page is first opened, it would be bundled
  // then with a second copy of React, and that page would fail to hydrate until a reload.
  optimizeDeps: { include: ['recharts'] },
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
