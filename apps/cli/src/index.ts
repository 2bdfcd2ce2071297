export { buildProgram, runCli, reportError } from './program.ts';
