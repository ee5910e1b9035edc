// Builds the media desk into dist/, which `regie serve` embeds. Hashed file names under
// dist/assets/ are cached for a year by the server.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  // hls.js (the ladder player) is its own chunk, fetched only when a ladder is played.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
