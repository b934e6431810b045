// Help text of `inferscope collector`, apart from main.ts so the CLI can show it without loading the server.
export const USAGE = `inferscope collector [options]

  --port <n>             port to listen on (default 8470; 0 = any free port)
  --host <addr>          address to bind (default 127.0.0.1; 0.0.0.0 in containers)
  --db <file.sqlite>     SQLite file, created on first run (default inferscope.sqlite)
  --postgres <url>       PostgreSQL URL instead of SQLite (several replicas may share it)
  --config <file.json>   apps (id, keys, origins, rateLimit) and adminToken
  --manifest <path|url>  model manifest with drift baselines (default models/manifest.json if present)
  --retention-days <n>   keep aggregates this many days (default 30)
  --dedupe-days <n>      remember batch ids this many days, to count a replayed batch once
                         (default 7, the SDK outbox's longest retry; at most 366)
  --log-level <level>    JSON log lines on stdout: fatal, error, warn (default), info, debug, trace, silent;
                         every 5xx is logged at error with its cause
  -h, --help             this text

Without --config a development app is created and its ingest key and admin token are printed.
INFERSCOPE_ADMIN_TOKEN sets the admin token (config file wins).
SIGTERM/SIGINT: in-flight requests get shutdownGraceMs (config, default 10000) to finish,
then open connections are cut and queued batches committed.`;
