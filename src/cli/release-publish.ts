// `inferscope release publish --out DIR`: the collector's live manifest (base manifest +
// release state from its database) written as DIR/manifest.json, for apps that load the
// manifest from static hosting instead of GET /v1/manifest. Same bytes, same ETag.
import { join, resolve } from 'node:path';
import { InferScopeError } from '../sdk/errors.js';
import { type Command, parseFlags, requireFlag, UsageError } from './command.js';

const help = `Usage: inferscope release publish --out <dir> [--config collector.json] [--db file.sqlite | --postgres url] [--manifest base.json]

Writes the live manifest (the base manifest with every release's current percent, promotion or
kill switch applied, as GET /v1/manifest serves it) to <dir>/manifest.json, atomically.
Storage, base manifest and release policies come from the collector config; flags override it.

Options:
  --out <dir>          directory to write manifest.json into (required)
  --config <file>      collector config (its "releases", "db", "postgres", "manifest")
  --db <file>          SQLite database of the collector (default inferscope.sqlite)
  --postgres <url>     PostgreSQL database of the collector replicas
  --manifest <file>    base manifest (default: the config's, else models/manifest.json)
  -h, --help           show this help`;

export const releasePublishCommand: Command = {
  name: 'release publish',
  summary: 'write the live manifest (base + release state) to a directory',
  help,
  async run(argv, io) {
    const { values: v } = parseFlags(argv, { out: { type: 'string' }, config: { type: 'string' }, db: { type: 'string' }, postgres: { type: 'string' }, manifest: { type: 'string' } });
    if (v.help) return io.out(help + '\n'), 0;
    const out = requireFlag(v.out, '--out');
    if (v.db && v.postgres) throw new UsageError('pass either --db or --postgres, not both');
    const { loadConfigFile } = await import('../collector/config.js');
    const { manifestSource } = await import('../collector/manifest.js');
    const { currentManifest } = await import('../collector/releases/routes.js');
    const { CollectorError } = await import('../collector/errors.js');
    let store;
    try {
      // Publishing serves nothing, so a config whose admin token comes from the environment
      // loads without it (a placeholder satisfies the validator; it is never used).
      const config = v.config ? loadConfigFile(v.config, { ...process.env, INFERSCOPE_ADMIN_TOKEN: process.env.INFERSCOPE_ADMIN_TOKEN ?? 'unused-by-release-publish' }) : undefined;
      const postgres = v.postgres ?? (v.db ? undefined : config?.postgres);
      const location = v.manifest ?? config?.manifest ?? 'models/manifest.json';
      store = postgres
        ? await (await import('../collector/store/postgres.js')).openPostgresStore({ url: postgres, poolSize: 2 })
        : (await import('../collector/store/sqlite.js')).openSqliteStore({ file: v.db ?? config?.db ?? 'inferscope.sqlite' });
      const { body, etag } = await currentManifest({ store, manifest: manifestSource({ location }), config: config?.releases });
      const { writeFilesAtomically } = await import('./model-files.js');
      const file = join(out, 'manifest.json');
      // The exact bytes GET /v1/manifest serves, so a static host's ETag logic sees the same changes.
      await writeFilesAtomically(resolve(out), [['manifest.json', body]]);
      io.out(`wrote ${file} (ETag ${etag} as served by GET /v1/manifest; ${config?.releases ? 'release state applied' : 'no "releases" in the config: base manifest as is'})\n`);
      return 0;
    } catch (err) {
      if (err instanceof CollectorError) throw new InferScopeError('MANIFEST_INVALID', err.message, { cause: err });
      throw err;
    } finally {
      await store?.close();
    }
  },
};
