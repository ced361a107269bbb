/** CRC16/XMODEM as Redis Cluster uses it to map keys to slots. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

const encoder = new TextEncoder();

/**
 * The Redis Cluster slot (0..16383) of a key: the hash of its first non-empty `{...}` tag if it has one,
 * else of the whole key. Used at plan time only, to group a plan's keys by slot.
 */
export function keySlot(key: string): number {
  let part = key;
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) part = key.slice(open + 1, close);
  }
  return crc16(encoder.encode(part)) % 16384;
}
