import { type CliIo, main } from './cli-main.js';

// The process entry of `lagebild-agent`; everything testable lives in cli-main.ts.
const io: CliIo = {
  out: (text) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve())),
  err: (text) => process.stderr.write(text),
  env: process.env,
  stopSignal: () =>
    new Promise((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        // a second signal ends the process at once
        process.once(signal, () => process.exit(130));
        resolve(signal);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
};

process.exit(await main(process.argv.slice(2), io));
