/** Dates as people read them. UTC, so every device of a user shows the same clock. */

const absolute = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
})

/** "28 Nov 2025, 14:03 UTC". */
export function formatTime(date: Date): string {
  return `${absolute.format(date)} UTC`
}

/** "just now", "5 minutes ago", "in 29 minutes", "3 hours ago". */
export function relativeTime(date: Date, now: number): string {
  const seconds = Math.round((date.getTime() - now) / 1000)
  const abs = Math.abs(seconds)
  if (abs < 45) return 'just now'
  const [value, unit] =
    abs < 3600
      ? [Math.round(abs / 60), 'minute']
      : abs < 86_400
        ? [Math.round(abs / 3600), 'hour']
        : [Math.round(abs / 86_400), 'day']
  const amount = `${value} ${unit}${value === 1 ? '' : 's'}`
  return seconds < 0 ? `${amount} ago` : `in ${amount}`
}
