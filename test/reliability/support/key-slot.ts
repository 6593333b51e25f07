/**
 * Which Redis Cluster slot a key lives in (CRC16/XMODEM of the key, or of its `{hash tag}`,
 * modulo 16384), so a failover test can tell the writes that went to the failed master from
 * those that did not.
 */

function crc16(bytes: Uint8Array): number {
  let crc = 0
  for (const byte of bytes) {
    crc ^= byte << 8
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    }
  }
  return crc
}

export function keySlot(key: string): number {
  const open = key.indexOf('{')
  const close = open === -1 ? -1 : key.indexOf('}', open + 1)
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key
  return crc16(Buffer.from(hashed, 'utf8')) % 16384
}

/** True when `slot` is in one of CLUSTER NODES' ranges (`'0-5460'`, `'5461'`). */
export function inRanges(slot: number, ranges: readonly string[]): boolean {
  return ranges.some((range) => {
    const [from, to = from] = range.split('-').map(Number)
    return from !== undefined && to !== undefined && slot >= from && slot <= to
  })
}
