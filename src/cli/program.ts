/**
 * The `sessionkit` command line: commander wiring, global options and exit codes. Each command
 * lives in its own file under commands/.
 * @module
 */

import { readFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import type { Environment } from '../config/env.js'
import type { CliContext, GlobalOptions } from './context.js'
import { EXIT, type ExitCode, exitCodeOf, formatError } from './errors.js'
import { MAX_SECRET_BYTES, MIN_SECRET_BYTES } from './limits.js'
import { type CliIo, processIo } from './output.js'

function version(): string {
  // src/cli and dist/cli both sit two levels below package.json.
  try {
    const pkg: unknown = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    )
    const found = typeof pkg === 'object' && pkg !== null ? Reflect.get(pkg, 'version') : undefined
    return typeof found === 'string' ? found : 'unknown'
  } catch {
    return 'unknown'
  }
}

function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`)
    }
    return Number(value)
  }
}

const HELP_AFTER = `
The store is --store, else the configuration (sessionkit.config.yaml|yml|json, SESSIONKIT_STORE),
else sqlite:./data/sessions.db. Sessions are named by their handle (the store key that
\`list\` prints) or by a raw session ID, which is hashed before the lookup.

Exit codes:
  0  done
  1  the work failed: store unreachable or failing, migration check failed, doctor unhealthy
  2  bad arguments or configuration, or a store that lacks what the command needs
  3  the session named does not exist

Examples:
  $ sessionkit stats --json
  $ sessionkit list --user user-42
  $ sessionkit revoke-user user-42 --except <handle>
  $ sessionkit migrate --from sqlite:./data/sessions.db --to file:./data/sessions
  $ sessionkit migrate --from 'connect-redis://127.0.0.1:6379?prefix=sess:' --to sqlite:./data/sessions.db
  $ SESSIONKIT_SECRETS=$(sessionkit keygen) node server.js

Documentation: docs/cli.md and docs/configuration.md`

/** Builds the program; `setExit` receives each command's exit code. */
export function buildProgram(
  io: CliIo,
  env: Environment,
  cwd: string,
  setExit: (code: ExitCode) => void,
): Command {
  const program = new Command('sessionkit')
  // Commands and the context are imported when a command runs, so --help and usage errors
  // start fast and never load a store module.
  const context = async (): Promise<CliContext> => {
    const { CliContext } = await import('./context.js')
    return new CliContext(program.opts<GlobalOptions>(), io, env, cwd)
  }
  const json = ['--json', 'print JSON for scripts'] as const

  program
    .description(
      'Administer sessionkit sessions: list, inspect, revoke, clean up, migrate between stores.',
    )
    .version(version(), '-V, --version', 'print the version')
    .option(
      '--store <url>',
      'the store, e.g. sqlite:./data/sessions.db (default: the configuration)',
    )
    .option(
      '--config <file>',
      'the configuration file (default: ./sessionkit.config.yaml|yml|json or SESSIONKIT_CONFIG)',
    )
    .option('--debug', 'print stack traces with errors')
    .helpOption('-h, --help', 'show help')
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError('(run sessionkit --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(`sessionkit: ${text}`),
    })

  const command = (name: string, description: string) =>
    program.command(name).description(description).exitOverride()

  command('list', 'list live sessions, most recently seen first')
    .option('--user <userId>', 'only the sessions of this user')
    .option('--limit <n>', 'at most this many', integer(1, Number.MAX_SAFE_INTEGER))
    .option(...json)
    .action(async (options) => {
      const { listCommand } = await import('./commands/list.js')
      setExit(await listCommand(await context(), options))
    })

  command('show', 'show one session and its data')
    .argument('<session>', 'a handle (from list) or a session ID')
    .option(...json)
    .action(async (ref: string, options) => {
      const { showCommand } = await import('./commands/show.js')
      setExit(await showCommand(await context(), ref, options))
    })

  command('revoke', 'end one session now')
    .argument('<session>', 'a handle (from list) or a session ID')
    .option(...json)
    .action(async (ref: string, options) => {
      const { revokeCommand } = await import('./commands/revoke.js')
      setExit(await revokeCommand(await context(), ref, options))
    })

  command('revoke-user', 'end every session of a user (sign out everywhere)')
    .argument('<userId>', 'the user')
    .option('--except <session>', 'keep this session (a handle or a session ID)')
    .option(...json)
    .action(async (userId: string, options) => {
      const { revokeUserCommand } = await import('./commands/revoke-user.js')
      setExit(await revokeUserCommand(await context(), userId, options))
    })

  command('cleanup', 'remove expired sessions and tokens now')
    .option(...json)
    .action(async (options) => {
      const { cleanupCommand } = await import('./commands/cleanup.js')
      setExit(await cleanupCommand(await context(), options))
    })

  command('stats', 'count live sessions, by user and by expiry')
    .option(...json)
    .action(async (options) => {
      const { statsCommand } = await import('./commands/stats.js')
      setExit(await statsCommand(await context(), options))
    })

  command('migrate', 'copy every live session to another store, keeping IDs and expiry')
    .requiredOption('--to <url>', 'the target store')
    .option(
      '--from <url>',
      'the source store, or connect-redis://… / connect-pg-simple://… (default: --store or the configuration)',
    )
    .option('--concurrency <n>', 'writes in flight at once (default 16)', integer(1, 256))
    .option('--dry-run', 'read and count, write nothing')
    .option(
      '--user-field <path>',
      'legacy sources: the data key holding the user ID, e.g. passport.user',
    )
    .option(
      '--default-ttl <duration>',
      'legacy sources: expiry for sessions that carry none (default: skip them)',
    )
    .option('--no-progress', 'no progress bar, even on a terminal')
    .option(...json)
    .action(async (options) => {
      const { migrateCommand } = await import('./commands/migrate.js')
      setExit(await migrateCommand(await context(), options))
    })

  command('keygen', `print a new secret (${MIN_SECRET_BYTES} random bytes, base64url)`)
    .option(
      '--bytes <n>',
      `random bytes (${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES})`,
      integer(MIN_SECRET_BYTES, MAX_SECRET_BYTES),
    )
    .option(...json)
    .action(async (options) => {
      const { keygenCommand } = await import('./commands/keygen.js')
      setExit(keygenCommand(io, options))
    })

  command('doctor', 'check the configuration and that the store answers')
    .option('--timeout <duration>', 'how long the store may take to answer (default 5s)')
    .option('--write', 'also write, read back and delete a probe session')
    .option(...json)
    .action(async (options) => {
      const { doctorCommand } = await import('./commands/doctor.js')
      setExit(await doctorCommand(await context(), options))
    })

  return program
}

/** A session handle or ID that begins with '-': base64url allows it, one in 64 does. */
const DASH_REF = /^-[A-Za-z0-9_-]{42}$/

/**
 * `argv` with every session handle or ID that begins with '-' moved after a `--`, where
 * commander takes it for the command's argument instead of an unknown option. An option's own
 * value (`--except -Ab…`) stays where it is: commander reads a required value whatever it looks
 * like. Unchanged when the line already has a `--`.
 */
function withDashRefsAsArguments(program: Command, argv: readonly string[]): string[] {
  if (argv.includes('--')) return [...argv]
  const takesValue = new Set<string>()
  for (const command of [program, ...program.commands]) {
    for (const option of command.options) {
      if (option.required || option.optional) {
        if (option.long) takesValue.add(option.long)
        if (option.short) takesValue.add(option.short)
      }
    }
  }
  const rest: string[] = []
  const refs: string[] = []
  argv.forEach((arg, index) => {
    const previous = argv[index - 1]
    const isValue = index > 2 && previous !== undefined && takesValue.has(previous)
    if (index >= 2 && !isValue && DASH_REF.test(arg)) refs.push(arg)
    else rest.push(arg)
  })
  return refs.length === 0 ? rest : [...rest, '--', ...refs]
}

/** Runs the CLI on `argv` (as process.argv) and resolves to the exit code. Never throws. */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processIo(),
  env: Environment = process.env,
  cwd: string = process.cwd(),
): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok
  const program = buildProgram(io, env, cwd, (code) => {
    exitCode = code
  })
  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true })
      return EXIT.usage
    }
    await program.parseAsync(withDashRefsAsArguments(program, argv))
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage
    io.err(formatError(error, argv.includes('--debug')))
    return exitCodeOf(error)
  }
}
