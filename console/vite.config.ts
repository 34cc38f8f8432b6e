// The analyst console: `npm run build:console` builds it into console/dist, which riskgate serves at
// /console (src/console/plugin.ts). `npm run dev:console` serves it with hot reload and forwards the
// API to a riskgate on 127.0.0.1:8080 (`npm start`).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const RISKGATE = 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/v1': RISKGATE, '/readyz': RISKGATE } },
});
