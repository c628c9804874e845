import TestSupport
import XCTest

@testable import DataIO

final class FloatParserTests: XCTestCase {
  /// Parses a whole string (which must be one number) and returns the bit pattern.
  private func bits(
    _ text: String, decimal: Character = ".", file: StaticString = #filePath, line: UInt = #line
  ) -> UInt64? {
    let bytes = Array(text.utf8) + [UInt8](repeating: 0, count: FloatParser.padding)
    return bytes.withUnsafeBufferPointer { buffer -> UInt64? in
      guard
        let (value, end) = FloatParser.parse(
          buffer.baseAddress!, at: 0, decimal: decimal.asciiValue!)
      else { return nil }
      XCTAssertEqual(end, text.utf8.count, "stopped early in \(text)", file: file, line: line)
      return value.bitPattern
    }
  }

  func testHardCasesMatchPythonFloatBitForBit() {
    // Expected bit patterns printed by Python 3: struct.pack('<d', float(s)).
    let cases: [(String, UInt64)] = [
      ("0.1", 0x3FB9_9999_9999_999A),
      ("1e23", 0x44B5_2D02_C7E1_4AF6),
      ("2.2250738585072011e-308", 0x000F_FFFF_FFFF_FFFF),  // largest subnormal
      ("2.2250738585072014e-308", 0x0010_0000_0000_0000),  // smallest normal
      ("9007199254740993", 0x4340_0000_0000_0000),  // 2^53 + 1: tie, rounds to even
      ("9007199254740995", 0x4340_0000_0000_0002),  // 2^53 + 3: tie, rounds up to even
      ("1.7976931348623157e308", 0x7FEF_FFFF_FFFF_FFFF),
      ("1.7976931348623159e308", 0x7FF0_0000_0000_0000),  // overflows to inf, as in Python
      ("5e-324", 0x0000_0000_0000_0001),
      ("2.4703282292062327e-324", 0x0000_0000_0000_0000),  // just under half the least subnormal
      ("2.4703282292062328e-324", 0x0000_0000_0000_0001),
      ("-0", 0x8000_0000_0000_0000),
      ("123456789012345678901234567890", 0x45F8_EE90_FF6C_373E),  // > 19 digits
      ("0.000000000000000000000000000000000000001234", 0x37DA_DFC7_A71D_D86B),
      ("1e-400", 0),
      ("1e400", 0x7FF0_0000_0000_0000),
      (".5", 0x3FE0_0000_0000_0000),
      ("5.", 0x4014_0000_0000_0000),
      ("-NaN", 0xFFF8_0000_0000_0000),
      ("INF", 0x7FF0_0000_0000_0000),
      ("-Infinity", 0xFFF0_0000_0000_0000),
      ("7.038531e-26", 0x3AB5_C87F_B000_0000),
      ("8.98846567431158e307", 0x7FE0_0000_0000_0000),
      ("+1.5E+03", 0x4097_7000_0000_0000),
    ]
    for (text, expected) in cases {
      XCTAssertEqual(bits(text), expected, text)
    }
  }

  /// With a decimal comma every number reads bit for bit as with a point, on each of the three
  /// conversion paths (Clinger, Eisel–Lemire, strtod for more than 19 digits and subnormals),
  /// and a point ends the number as a comma does otherwise.
  func testDecimalCommaReadsExactlyAsAPoint() {
    let texts = [
      "3.25", "-0.1", "0.000000000000000000000000000000000000001234", "2.2250738585072011e-308",
      "123456789.012345678901234567890", "-.5", "5.", "7.038531e-26", "+1.5E+03", "42", "nan",
    ]
    for text in texts {
      let comma = text.replacingOccurrences(of: ".", with: ",")
      XCTAssertNotNil(bits(text), text)
      XCTAssertEqual(bits(comma, decimal: ","), bits(text), comma)
    }
    XCTAssertEqual(bits("3,25", decimal: ","), (3.25).bitPattern)
    let bytes = Array("3.25;1".utf8) + [UInt8](repeating: 0, count: FloatParser.padding)
    let stopped = bytes.withUnsafeBufferPointer {
      FloatParser.parse($0.baseAddress!, at: 0, decimal: UInt8(ascii: ","))
    }
    XCTAssertEqual(stopped?.value, 3)
    XCTAssertEqual(stopped?.end, 1)
  }

  func testTextThatPythonRejectsIsNotANumber() {
    for text in ["", "-", "+", ".", "e5", "1e", "1e+", "--1", "in", "na", "abc"] {
      XCTAssertNil(bits(text), text)
    }
  }

  func testParsingStopsAtTheFirstByteThatCannotContinueTheNumber() {
    let bytes = Array("12.5e3,7".utf8) + [UInt8](repeating: 0, count: FloatParser.padding)
    let result = bytes.withUnsafeBufferPointer { FloatParser.parse($0.baseAddress!, at: 0) }
    XCTAssertEqual(result?.value, 12500)
    XCTAssertEqual(result?.end, 6)
  }

  /// 120 000 strings of every shape (Python's repr of random bit patterns, %.Ng and %.Ne with
  /// 1...25 digits, random digit strings with exponents -350...350, exact midpoints between
  /// neighbouring doubles) must give exactly the bits Python's `float()` gives.
  func testRandomDecimalStringsAreBitIdenticalToPythonFloat() throws {
    let script = """
      import random, struct, sys
      from decimal import Decimal, getcontext
      getcontext().prec = 1200
      random.seed(20261129)
      out = []
      def add(s):
          out.append(s + ' ' + '%016x' % struct.unpack('<Q', struct.pack('<d', float(s)))[0])
      for _ in range(30000):
          d = struct.unpack('<d', struct.pack('<Q', random.getrandbits(64)))[0]
          if d != d or d in (float('inf'), float('-inf')):
              continue
          add(repr(d))
          add('%.*g' % (random.randint(1, 25), d))
          add('%.*e' % (random.randint(0, 24), d))
      for _ in range(30000):
          n = random.randint(1, 25)
          digits = ''.join(random.choice('0123456789') for _ in range(n))
          p = random.randint(0, n)
          s = digits[:p] + '.' + digits[p:] if p < n else digits
          add(s + 'e' + str(random.randint(-350, 350)))
      for _ in range(3000):
          bits = random.getrandbits(63)
          a = struct.unpack('<d', struct.pack('<Q', bits))[0]
          b = struct.unpack('<d', struct.pack('<Q', bits + 1))[0]
          if b != b or b == float('inf'):
              continue
          mid = (Decimal(a) + Decimal(b)) / 2
          add(format(mid, 'e'))
      sys.stdout.write('\\n'.join(out))
      """
    let lines = try Python.run(script).split(separator: "\n")
    XCTAssertGreaterThan(lines.count, 100_000)
    var mismatches = 0
    for line in lines {
      let parts = line.split(separator: " ")
      let expected = UInt64(parts[1], radix: 16)!
      let actual = bits(String(parts[0]))
      if actual != expected {
        mismatches += 1
        if mismatches <= 10 {
          XCTFail(
            "\(parts[0]): got \(actual.map { String($0, radix: 16) } ?? "nil"), "
              + "Python gives \(parts[1])")
        }
      }
    }
    XCTAssertEqual(mismatches, 0)
  }
}
