// Types for scripts/admin-token.mjs (plain JS so `npm start` runs without a compiler).
export function adminToken(options: { dataDir: string; env?: Record<string, string | undefined> }): {
  token: string;
  source: 'env' | 'file' | 'new';
  file: string;
};
