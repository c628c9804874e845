#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Correctly rounded decimal → `Double` conversion straight from bytes, bit-identical to Python's
/// `float()` on the inputs both accept.
///
/// Grammar (Python's, without its `_` digit separators; the caller trims whitespace), where `.`
/// is the decimal separator, a comma instead for `CSVOptions.decimal` `","` (`3,25` is 3.25):
///
///     [+-] ( digits [ "." digits* ] | "." digits ) [ (e|E) [+-] digits ]
///     [+-] ( "inf" | "infinity" | "nan" )            (any letter case)
///
/// A decimal `w · 10^q` with `w` its significant digits is converted by the first of three paths
/// that applies; each returns the double nearest to the exact value (ties to even):
///
/// 1. Clinger's fast path: `w ≤ 2^53` and `0 ≤ q ≤ 22`. Both `w` and `10^q` are exact doubles,
///    so one IEEE multiplication rounds exactly once. (Clinger's division for `-22 ≤ q < 0` is
///    exact too, but its latency made CSV parsing ~10% slower than path 2.)
/// 2. Eisel–Lemire (`w` of at most 19 digits, normal results): `w` times a 128-bit approximation of
///    `5^q`, which Mushtak & Lemire (2023) prove always determines the correctly rounded result.
/// 3. Otherwise (more than 19 significant digits, subnormal results): glibc's `strtod`, which is
///    correctly rounded, on a NUL-terminated copy of the text.
///
/// Values beyond the double range become ±infinity and tiny ones ±0, as `float()` does.
enum FloatParser {
  /// Bytes that must be readable after the end of the text: numbers are scanned eight digits at
  /// a time, and the first padding byte must be one that cannot continue a number (the readers
  /// put NULs there).
  static let padding = 8

  /// Parses the longest number at `start`. The text must be followed by `padding` readable
  /// bytes, the first of which cannot continue a number (a NUL).
  ///
  /// - Parameter decimal: the byte that separates the fraction (`.`, or `,` in European CSV).
  /// - Returns: the value and the index just past the number, or `nil` when no complete number
  ///   starts at `start` (e.g. `"abc"`, `"1e"`, `"."`, `"-"`).
  @inline(__always)
  static func parse(
    _ bytes: UnsafePointer<UInt8>, at start: Int, decimal: UInt8 = UInt8(ascii: ".")
  ) -> (value: Double, end: Int)? {
    var i = start
    var negative = false
    if bytes[i] == UInt8(ascii: "-") {
      negative = true
      i += 1
    } else if bytes[i] == UInt8(ascii: "+") {
      i += 1
    }
    let digitsStart = i
    // Accumulate every digit, letting the mantissa wrap; only if there are more than 19
    // significant digits (when it may have wrapped) is the value left to strtod.
    var mantissa: UInt64 = 0
    while case let digit = bytes[i] &- 48, digit < 10 {
      mantissa = mantissa &* 10 &+ UInt64(digit)
      i &+= 1
    }
    var digitCount = i &- digitsStart
    var exponent = 0  // decimal exponent of the mantissa's last digit
    if bytes[i] == decimal {
      i &+= 1
      let fractionStart = i
      while case let word = UInt64(
        littleEndian: UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self)),
        isEightDigits(word)
      {
        mantissa = mantissa &* 100_000_000 &+ eightDigitsValue(word)
        i &+= 8
      }
      while case let digit = bytes[i] &- 48, digit < 10 {
        mantissa = mantissa &* 10 &+ UInt64(digit)
        i &+= 1
      }
      exponent = fractionStart &- i
      digitCount &+= i &- fractionStart
    }
    let sawDigit = digitCount > 0
    var truncated = false
    if digitCount > 19 {
      // Leading zeros (before or after the point) are not significant.
      var k = digitsStart
      while bytes[k] == UInt8(ascii: "0") || bytes[k] == decimal {
        if bytes[k] == UInt8(ascii: "0") { digitCount -= 1 }
        k += 1
      }
      truncated = digitCount > 19
    }
    guard sawDigit else { return parseSpecial(bytes, at: i, negative: negative) }
    if bytes[i] | 0x20 == UInt8(ascii: "e") {
      var j = i + 1
      var exponentNegative = false
      if bytes[j] == UInt8(ascii: "-") {
        exponentNegative = true
        j += 1
      } else if bytes[j] == UInt8(ascii: "+") {
        j += 1
      }
      guard bytes[j] &- 48 < 10 else { return nil }
      var explicit = 0
      while case let digit = bytes[j] &- 48, digit < 10 {
        if explicit < 100_000 { explicit = explicit * 10 + Int(digit) }
        j += 1
      }
      exponent += exponentNegative ? -explicit : explicit
      i = j
    }
    if truncated {
      return (strtodFallback(bytes + start, count: i - start, decimal: decimal), i)
    }
    let magnitude =
      convert(mantissa: mantissa, exponent: exponent)
      ?? strtodFallback(bytes + digitsStart, count: i - digitsStart, decimal: decimal)
    return (negative ? -magnitude : magnitude, i)
  }

  /// Whether the eight bytes of `word` (little-endian) are all ASCII digits (Lemire's test).
  @inline(__always)
  static func isEightDigits(_ word: UInt64) -> Bool {
    ((word &+ 0x4646_4646_4646_4646) | (word &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080
      == 0
  }

  /// The value of eight ASCII digits, first digit in the lowest byte, by three multiplications
  /// (Mula, Lemire): pairs, then quadruples, then the whole.
  @inline(__always)
  static func eightDigitsValue(_ word: UInt64) -> UInt64 {
    let mask: UInt64 = 0x0000_00FF_0000_00FF
    let multiplier1: UInt64 = 100 + (1_000_000 << 32)
    let multiplier2: UInt64 = 1 + (10_000 << 32)
    var value = word &- 0x3030_3030_3030_3030
    value = (value &* 10) &+ (value >> 8)
    value = (((value & mask) &* multiplier1) &+ (((value >> 16) & mask) &* multiplier2)) >> 32
    return value & 0xFFFF_FFFF
  }

  /// `w · 10^q` by Clinger's fast path or Eisel–Lemire; `nil` when neither applies.
  @inline(__always)
  static func convert(mantissa w: UInt64, exponent q: Int) -> Double? {
    if w == 0 { return 0 }
    if w <= 1 << 53 && q >= 0 && q <= 22 {
      let value = Double(w)
      return q < 0 ? value / exactPowersOfTen[-q] : value * exactPowersOfTen[q]
    }
    return eiselLemire(mantissa: w, exponent: q)
  }

  /// The Eisel–Lemire algorithm as in fast_float's `compute_float<binary64>`: normalise `w`,
  /// multiply by the truncated 128-bit `5^q`, keep 54 bits, round to 53 with ties to even.
  /// Returns `nil` for subnormal results, which the caller leaves to `strtod`.
  @inline(__always)
  static func eiselLemire(mantissa w: UInt64, exponent q: Int) -> Double? {
    if q < -342 { return 0 }  // below 10^19 · 10^-343, under half the smallest subnormal
    if q > 308 { return .infinity }  // at least 10^309
    let leadingZeros = w.leadingZeroBitCount
    let normalized = w << UInt64(leadingZeros)
    let index = 2 * (q + 342)
    var (high, low) = powersOfFive128.withUnsafeBufferPointer { table in
      normalized.multipliedFullWidth(by: table[index])
    }
    let precisionMask: UInt64 = ~0 >> 55  // 52 explicit mantissa bits + 3 guard bits
    if high & precisionMask == precisionMask {
      let second = powersOfFive128.withUnsafeBufferPointer { table in
        normalized.multipliedFullWidth(by: table[index + 1]).high
      }
      low &+= second
      if second > low { high &+= 1 }
    }
    let upperBit = Int(high >> 63)
    let shift = upperBit + 64 - 52 - 3
    var mantissa = high >> UInt64(shift)
    // ⌊q · log2(10)⌋ + 63, the binary exponent of 10^q's normalised significand, plus the bias.
    var power2 = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - leadingZeros + 1023
    guard power2 > 0 else { return nil }
    // An exact tie between two doubles is only possible for -4 ≤ q ≤ 23; break it to even.
    if low <= 1 && q >= -4 && q <= 23 && mantissa & 3 == 1 && (mantissa << UInt64(shift)) == high {
      mantissa &= ~1
    }
    mantissa += mantissa & 1
    mantissa >>= 1
    if mantissa >= 2 << 52 {
      mantissa = 1 << 52
      power2 += 1
    }
    mantissa &= ~(1 << 52)
    if power2 >= 0x7FF { return .infinity }
    return Double(bitPattern: UInt64(power2) << 52 | mantissa)
  }

  /// `inf`, `infinity` and `nan` in any letter case, as Python's `float()` accepts them.
  static func parseSpecial(_ bytes: UnsafePointer<UInt8>, at i: Int, negative: Bool)
    -> (value: Double, end: Int)?
  {
    func matches(_ word: StaticString, at start: Int) -> Bool {
      for k in 0..<word.utf8CodeUnitCount where bytes[start + k] | 0x20 != word.utf8Start[k] {
        return false
      }
      return true
    }
    if matches("nan", at: i) {
      return (negative ? -Double.nan : Double.nan, i + 3)
    }
    if matches("inf", at: i) {
      let end = matches("inity", at: i + 3) ? i + 8 : i + 3
      return (negative ? -Double.infinity : Double.infinity, end)
    }
    return nil
  }

  /// glibc's correctly rounded `strtod` on a NUL-terminated copy of already validated text, its
  /// decimal separator written as the `.` of the C locale that `strtod` reads in.
  static func strtodFallback(_ text: UnsafePointer<UInt8>, count: Int, decimal: UInt8) -> Double {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
      for k in 0..<count {
        buffer[k] = CChar(bitPattern: text[k] == decimal ? UInt8(ascii: ".") : text[k])
      }
      buffer[count] = 0
      return strtod(buffer.baseAddress!, nil)
    }
  }

  /// 10^0 ... 10^22, every one an exact double.
  static let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  ]
}
