import type { Command } from 'commander';

/**
 * Every `evrec` subcommand, one module each. Add a command by writing `commands/<name>.ts` that
 * exports `register(program: Command): void` and adding it below (keep the list sorted).
 */
const registrars: Array<(program: Command) => void> = [
  // @registry-insert (one line per command, keep sorted)
];

export function registerCommands(program: Command): void {
  for (const register of registrars) register(program);
}
