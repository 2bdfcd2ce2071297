import type { Command } from 'commander';

/**
 * Parent commands shared by several modules (`evrec train embeddings`, `evrec train ranker`,
 * `evrec eval ranker`, ...). Each module calls `commandGroup(program, 'train', ...)` and adds its
 * subcommand; the first caller creates the group.
 */
export function commandGroup(program: Command, name: string, description: string): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  return program.command(name).description(description);
}
