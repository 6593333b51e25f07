/**
 * The `sessionkit` executable (bin/sessionkit.js loads it). Runs the command, then exits with
 * its code, so a driver's lingering socket or timer can never keep a finished command alive.
 * @module
 */

import { runCli } from './program.js'

const code = await runCli(process.argv)
// Pipes and files are written synchronously on POSIX; the empty write drains a terminal too.
process.stdout.write('', () => process.exit(code))
