/**
 * Builds the web console into client/dist, which the console serves itself.
 * Everything is bundled into files under /assets/ (hashed names, long cache):
 * no CDN, no inline script or style (the console's CSP allows only 'self'), no
 * data: URIs for fonts or scripts.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    // The preload polyfill would be an inline script; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/api': { target: 'https://127.0.0.1:8443', secure: false, ws: true },
    },
  },
});
