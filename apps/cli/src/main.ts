import 'reflect-metadata';
import { ConfigError, loadConfig, PipelineConfig } from '@imgpipe/config';
import { BENCH_FLAGS, runBench } from './bench';
import { EVAL_FLAGS, runEval } from './eval';
import { PROCESS_FLAGS, runProcess } from './process';
import { Args, Flags, parseArgs } from './args';

const USAGE = `usage:
  npm run process -- --input <dir or files...> --output <dir> [--policy '<json>'] [--concurrency N]
    (--inputs-from-parent instead of --input: the parent process hands out the images over IPC, as npm run bench does)
  npm run bench:models -- [--images <dir>] [--count N] [--concurrency N]
  npm run eval:privacy -- [--photos <dir>] [--out <dir>] [--held-out]`;

type Command = (config: PipelineConfig, args: Args) => Promise<number>;

/** Only `process` takes bare values: more files after `--input a.jpg`. */
const COMMANDS: Record<string, { run: Command; flags: Flags; positionals?: boolean }> = {
  process: { run: runProcess, flags: PROCESS_FLAGS, positionals: true },
  bench: { run: runBench, flags: BENCH_FLAGS },
  eval: { run: runEval, flags: EVAL_FLAGS },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = Object.hasOwn(COMMANDS, name ?? '') ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(USAGE);
    return 2;
  }
  const args = parseArgs(rest, command.flags, { positionals: command.positionals });
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  return command.run(config, args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
