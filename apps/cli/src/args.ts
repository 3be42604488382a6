import { parseArgs as parseFlags } from 'node:util';

/** Each flag's values (a boolean flag that is present has none); bare values under `_`. */
export type Args = Record<string, string[]>;

/** The flags one command accepts: a `value` flag takes a value and may repeat, a `switch` takes none. */
export type Flags = Record<string, 'value' | 'switch'>;

/**
 * `--name value`, `--name=value` and, where `positionals` is set, bare values. Unknown flags and a
 * value given to a switch are refused. Values are kept as repeated, so `single` can refuse a repeat.
 */
export function parseArgs(argv: string[], flags: Flags, { positionals = false } = {}): Args {
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, kind]) => [
      name,
      kind === 'value' ? { type: 'string' as const, multiple: true } : { type: 'boolean' as const },
    ]),
  );
  const parsed = parseFlags({ args: argv, options, strict: true, allowPositionals: positionals });
  const args: Args = { _: parsed.positionals };
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === undefined) continue;
    args[name] = Array.isArray(value) ? value.map(String) : [];
  }
  return args;
}

export function single(args: Args, name: string): string | undefined {
  const values = args[name];
  if (values && values.length > 1) throw new Error(`--${name} takes one value`);
  return values?.[0];
}

export function positiveInt(args: Args, name: string, fallback: number): number {
  const raw = single(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${raw}")`);
  return n;
}
