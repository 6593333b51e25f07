/**
 * Exit codes and error lines of the CLI. Scripts rely on the codes; people read one line per
 * error, never a stack trace (unless --debug) and never a secret.
 * @module
 */

import { CapabilityUnsupportedError, InvalidConfigError, SessionkitError } from '../core/errors.js'

/** The exit codes, documented in docs/cli.md. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The work failed: a store unreachable or failing, a migration that does not add up, doctor found a problem. */
  failure: 1,
  /** The command cannot work as given: bad arguments, invalid configuration, a store without the capability needed. */
  usage: 2,
  /** The session named on the command line does not exist (or is no longer live). */
  notFound: 3,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** An error of the CLI itself, with its exit code and a stable code for the error line. */
export class CliError extends Error {
  readonly exitCode: ExitCode
  readonly code: string

  constructor(code: string, message: string, exitCode: ExitCode) {
    super(message)
    this.name = 'CliError'
    this.code = code
    this.exitCode = exitCode
  }
}

/** A bad argument or option (exit 2). */
export function usageError(message: string): CliError {
  return new CliError('SESSIONKIT_CLI_USAGE', message, EXIT.usage)
}

/** The session named on the command line is not there (exit 3). */
export function notFoundError(message: string): CliError {
  return new CliError('SESSIONKIT_NOT_FOUND', message, EXIT.notFound)
}

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode
  if (error instanceof InvalidConfigError || error instanceof CapabilityUnsupportedError) {
    return EXIT.usage
  }
  return EXIT.failure
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}

/**
 * The error as one line: `sessionkit: CODE: message`. sessionkit's messages never carry a
 * secret or a raw ID; an unexpected error's message is shown as is, its stack only with --debug.
 */
export function formatError(error: unknown, debug: boolean): string {
  let line: string
  if (error instanceof SessionkitError || error instanceof CliError) {
    const message = error.message.replace(/^sessionkit: /, '')
    line = `sessionkit: ${error.code}: ${oneLine(message)}`
  } else {
    const message = error instanceof Error ? error.message : String(error)
    line = `sessionkit: unexpected error: ${oneLine(message)}${debug ? '' : ' (run with --debug for details)'}`
  }
  if (!debug) return line
  const details: string[] = [line]
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    details.push(depth === 0 ? String(current.stack) : `caused by: ${String(current.stack)}`)
    current = current.cause
  }
  return details.join('\n')
}
