import { Command, CommanderError } from 'commander';
import { EvrecError, exitCodeFor, formatLocation, isEvrecError } from '@evrec/core';
import { registerCommands } from './commands/registry.ts';

/** Builds the `evrec` command tree. Exported for tests, which run commands in-process. */
export function buildProgram(): Command {
  const program = new Command('evrec')
    .description('evrec — event recommendation engine: data, training, indexing, evaluation and serving')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true });
  registerCommands(program);
  return program;
}

/** Prints an error the way a user can act on it and returns the process exit code. */
export function reportError(e: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (isEvrecError(e)) {
    const where = e.location ? `${formatLocation(e.location)}: ` : '';
    write(`evrec: ${e.code}: ${where}${e.message}\n`);
    return exitCodeFor(e.code);
  }
  write(`evrec: INTERNAL: ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e);
  }
}

export { EvrecError };
