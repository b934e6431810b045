import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Real-Chromium tier: what only a browser can prove (WebGPU on SwiftShader,
// WebGL2, threaded WASM, IndexedDB across reloads).
export default defineConfig({
  server: {
    // Threaded WASM needs SharedArrayBuffer, which needs cross-origin isolation.
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-layers',
      '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgpu', 'idb',
    ],
  },
  test: {
    include: ['test/browser/**/*.test.ts'],
    // Fixture models (built by the suite into .tmp/fixtures) must exist before the browser asks.
    globalSetup: ['test/support/fixtures-setup.ts'],
    // Only turn a hang into a failure; sized for a loaded CI machine (see vitest.config.ts).
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: chromium,
          args: [
            '--no-sandbox',
            '--enable-unsafe-webgpu',
            '--enable-features=Vulkan',
            '--use-angle=swiftshader',
            '--use-webgpu-adapter=swiftshader',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
