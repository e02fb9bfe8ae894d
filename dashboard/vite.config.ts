import { defaultClientConditions, defineConfig } from 'vite';

// `pnpm --filter @lagebild/dashboard dev` proxies API and live WebSocket to a running server.
const devServer = process.env.LAGEBILD_DEV_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  // Preact's automatic JSX runtime through Vite's own oxc transform; no preset plugin needed
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: {
    // workspace packages resolve to their TypeScript sources
    conditions: ['source', ...defaultClientConditions],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': devServer,
      '/v1/live': { target: devServer.replace(/^http/, 'ws'), ws: true },
    },
  },
});
