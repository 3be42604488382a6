/** `--name value`, `--name=value` and bare values (collected under `_`). Repeated flags accumulate. */
export type Args = Record<string, string[]>;

export function parseArgs(argv: string[]): Args {
  const args: Args = { _: [] };
  let current = '_';
  for (const token of argv) {
    if (token.startsWith('--')) {
      const [name, inline] = token.slice(2).split(/=(.*)/s, 2);
      current = name;
      args[name] ??= [];
      if (inline !== undefined) {
        args[name].push(inline);
        current = '_';
      }
    } else {
      args[current].push(token);
    }
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
