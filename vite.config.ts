import { defineConfig } from 'vite';

// Library build of the SDK (ESM). tfjs stays external: the host app's bundler
// resolves it once, and the 15 KB size budget is for our own code only.
export default defineConfig({
  publicDir: false, // public/ belongs to the demo page
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: true,
    lib: {
      entry: { index: 'src/index.ts', protocol: 'src/protocol/index.ts', proxy: 'src/proxy.ts', serve: 'src/serve.ts' },
      formats: ['es'],
    },
    rollupOptions: {
      external: [/^@tensorflow\//, 'idb', 'web-vitals', /^node:/],
    },
    minify: false,
  },
});
