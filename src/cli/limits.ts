/** Limits shared by the program's option parsing and the commands. @module */

/** The fewest bytes keygen makes: what the key ring requires of every secret. */
export const MIN_SECRET_BYTES = 32
/** A cap so a typo cannot print megabytes. */
export const MAX_SECRET_BYTES = 1024
