import 'reflect-metadata';
import { ConfigError, loadConfig } from '@imgpipe/config';
import { runBench } from './bench';
import { runEval } from './eval';
import { runProcess } from './process';
import { parseArgs } from './args';

const USAGE = `usage:
  npm run process -- --input <dir or files...> --output <dir> [--policy '<json>'] [--concurrency N]
    (--inputs-from-parent instead of --input: the parent process hands out the images over IPC, as npm run bench does)
  npm run bench:models -- [--images <dir>] [--count N] [--concurrency N]
  npm run eval:privacy -- [--photos <dir>]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
  const args = parseArgs(rest);
  switch (command) {
    case 'process':
      return runProcess(config, args);
    case 'bench':
      return runBench(config, args);
    case 'eval':
      return runEval(config, args);
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
