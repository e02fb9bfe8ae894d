import { execFile } from 'node:child_process';

/** Outcome of one external command; `code` is null when it was killed (timeout) or could not start. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell. Collectors that read OS tools (`ip route get`, `route -n get`,
 * PowerShell) take this as an option so tests and `snapshot --replay` hand in recorded outputs.
 */
export type RunCommand = (
  file: string,
  args: string[],
  options?: { timeoutMs?: number },
) => Promise<CommandResult>;

/** Key under which a command's output is recorded for replay: the program and its arguments. */
export const commandKey = (file: string, args: string[]): string => [file, ...args].join(' ');

/** The real thing: never throws; a missing program gives code null and the error in stderr. */
export const realRunCommand: RunCommand = (file, args, options = {}) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 5_000, maxBuffer: 1024 * 1024, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: error && !stderr ? error.message : String(stderr) });
      },
    );
  });
