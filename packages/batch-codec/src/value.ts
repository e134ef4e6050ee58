/** value = mantissa · 10^exponent with the exponent maximal (spec §3.2 C13/C14). */
export function splitDecimal(value: bigint): { mantissa: bigint; exponent: number } {
  if (value === 0n) return { mantissa: 0n, exponent: 0 }
  let m = value
  let e = 0
  // Strip big powers first: round amounts have 10+ trailing zeros.
  while (m % 10_000_000_000n === 0n) {
    m /= 10_000_000_000n
    e += 10
  }
  while (m % 10n === 0n) {
    m /= 10n
    e++
  }
  return { mantissa: m, exponent: e }
}

const POW10: bigint[] = [1n]
for (let i = 1; i <= 77; i++) POW10.push(POW10[i - 1]! * 10n)

export const MAX_VALUE_EXPONENT = 77

export function pow10(e: number): bigint {
  return POW10[e]!
}
