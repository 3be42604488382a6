import { defineConfig } from 'vite';

// The api serves this build (dist/apps/web is copied into dist/apps/api/web). Relative asset
// URLs keep the page working behind a reverse proxy that mounts the api under a path prefix.
const API_ROUTES = ['/upload', '/batch-upload', '/status', '/batch', '/results', '/stats', '/queue-status', '/health'];

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  cacheDir: '../../node_modules/.vite/apps/web',
  build: {
    outDir: '../../dist/apps/web',
    emptyOutDir: true,
    target: 'es2022',
    // The api's Content-Security-Policy allows no inline code: keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: {
    port: 4200,
    host: 'localhost',
    // `nx serve web` talks to an api started with `nx serve api` (PORT 8000).
    proxy: Object.fromEntries(API_ROUTES.map((route) => [route, 'http://localhost:8000'])),
  },
});
