import { defineConfig } from 'vite';

// Node build of the CLI and the collector (dist/node/). Dependencies stay external:
// they are installed with the package, and better-sqlite3 / pg are native or optional.
export default defineConfig({
  publicDir: false, // public/ belongs to the demo page
  build: {
    ssr: true,
    outDir: 'dist/node',
    emptyOutDir: true,
    sourcemap: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      input: { cli: 'src/cli/main.ts', collector: 'src/collector/main.ts', vite: 'src/vite-plugin.ts' },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
