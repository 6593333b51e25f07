/**
 * The soak's load generator: `clients` virtual clients, each on its own keep-alive socket,
 * each doing one request after another (a random mix) until the time is up.
 */
import { emptyTally, pickOperation, type Tally, VirtualClient } from './soak-client.js'
import { keepAliveAgent } from './soak-http.js'

export interface LoadResult extends Tally {
  elapsedMs: number
  /** Clients holding a session when the load stopped: sessions that must still be live. */
  clientsWithSession: number
}

export async function runLoad(
  url: string,
  clients: number,
  durationMs: number,
): Promise<LoadResult> {
  const agent = keepAliveAgent(clients)
  const tally = emptyTally()
  const started = Date.now()
  const deadline = started + durationMs
  const all = Array.from(
    { length: clients },
    (_, i) => new VirtualClient(`c${i}`, url, agent, tally),
  )
  try {
    await Promise.all(
      all.map(async (client) => {
        while (Date.now() < deadline) await client.step(pickOperation())
      }),
    )
  } finally {
    agent.destroy()
  }
  return {
    ...tally,
    elapsedMs: Date.now() - started,
    clientsWithSession: all.filter((client) => client.hasSession).length,
  }
}
