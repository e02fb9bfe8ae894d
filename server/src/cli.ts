import type { FastifyInstance } from 'fastify';
import { isAdminCommand, parseAdminArgs, runAdmin } from './cli-admin.js';
import { parseCliArgs, USAGE, UsageError } from './cli-args.js';
import { serve } from './cli-serve.js';
import { isUserCommand, parseUserArgs, processPasswords, runUser, USER_USAGE } from './cli-users.js';
import { SERVER_VERSION } from './version.js';

// Entry point of `lagebild-server`: parse, listen, stop cleanly on SIGINT/SIGTERM. Everything else lives
// in cli-args.ts (testable parsing) and cli-serve.ts (data directory, secret, listen).

const io = {
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
};

function stopOnSignals(app: FastifyInstance): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      io.err(`lagebild-server: ${signal} again, exiting without cleanup`);
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal }, 'stopping');
    app.close().then(
      () => process.exit(0),
      (e: unknown) => {
        io.err(`lagebild-server: error while stopping: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  try {
    if (isUserCommand(argv)) {
      const command = parseUserArgs(argv, process.env);
      if (command === 'help') return void process.stdout.write(USER_USAGE);
      process.exitCode = await runUser(command, io, processPasswords);
      return;
    }
    if (isAdminCommand(argv)) {
      process.exitCode = await runAdmin(parseAdminArgs(argv, process.env), io);
      return;
    }
    const command = parseCliArgs(argv, process.env);
    if (command.kind === 'help') return void process.stdout.write(USAGE);
    if (command.kind === 'version') return void io.out(SERVER_VERSION);
    stopOnSignals(await serve(command.args, io));
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`lagebild-server: ${e.message}\nRun 'lagebild-server --help' for the options.`);
      process.exitCode = 2;
      return;
    }
    io.err(
      `lagebild-server: ${isAdminCommand(argv) || isUserCommand(argv) ? 'failed' : 'could not start'}: ${(e as Error).message}`,
    );
    process.exitCode = 1;
  }
}

await main(process.argv.slice(2));
