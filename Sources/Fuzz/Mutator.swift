import SeededRandom

/// Seeded mutations of a valid input, the kinds that damage real files: flipped bits, bytes set
/// to the values parsers treat specially, insertions of bytes and of tokens, deleted and
/// duplicated ranges, truncation, and splices of two valid inputs. The same seed gives the same
/// case, so a failure reported as `case K` is replayed by running case K again.
struct Mutator {
  /// Tokens that parsers of text formats treat specially, inserted whole.
  var tokens: [[UInt8]]
  /// Mutations fall in the first `hotPrefix` bytes this often (0...1): where a binary format
  /// keeps its metadata, which random positions in a file of data would seldom hit.
  var hotPrefix = 0
  var hotShare = 0.0

  static let specialBytes: [UInt8] = [
    0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE, 0x22, 0x2C, 0x0A, 0x0D, 0x09, 0x3B, 0x5C, 0x2E, 0x2D,
    0x2B, 0x65, 0x30, 0x39, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x20,
  ]

  /// Case `index` made from `seeds`: 1 to 4 mutations of one seed, or a splice of two.
  func mutate(_ seeds: [[UInt8]], case index: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    var bytes = seeds[rng.nextIndex(below: seeds.count)]
    if seeds.count > 1 && rng.nextIndex(below: 8) == 0 {
      let other = seeds[rng.nextIndex(below: seeds.count)]
      let cut = rng.nextIndex(below: bytes.count + 1)
      let from = rng.nextIndex(below: other.count + 1)
      bytes = Array(bytes[..<cut]) + Array(other[from...])
    }
    for _ in 0..<(1 + rng.nextIndex(below: 4)) { mutateOnce(&bytes, &rng) }
    return bytes
  }

  private func position(in bytes: [UInt8], _ rng: inout SplitMix64, end: Bool = false) -> Int {
    let limit = bytes.count + (end ? 1 : 0)
    guard limit > 0 else { return 0 }
    if hotPrefix > 0 && rng.nextDouble() < hotShare {
      return rng.nextIndex(below: min(limit, hotPrefix))
    }
    return rng.nextIndex(below: limit)
  }

  private func mutateOnce(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
    switch rng.nextIndex(below: bytes.isEmpty ? 2 : 8) {
    case 0:  // insert random bytes
      let at = position(in: bytes, &rng, end: true)
      let count = 1 + rng.nextIndex(below: 16)
      bytes.insert(
        contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
    case 1 where !tokens.isEmpty:  // insert a token
      let at = position(in: bytes, &rng, end: true)
      bytes.insert(contentsOf: tokens[rng.nextIndex(below: tokens.count)], at: at)
    case 1, 2:  // flip a bit
      let at = position(in: bytes, &rng)
      bytes[at] ^= 1 << UInt8(rng.nextIndex(below: 8))
    case 3:  // set a byte to a special value
      let at = position(in: bytes, &rng)
      bytes[at] = Self.specialBytes[rng.nextIndex(below: Self.specialBytes.count)]
    case 4:  // delete a range
      let at = position(in: bytes, &rng)
      let count = min(1 + rng.nextIndex(below: 32), bytes.count - at)
      bytes.removeSubrange(at..<(at + count))
    case 5:  // duplicate a range
      let at = position(in: bytes, &rng)
      let count = min(1 + rng.nextIndex(below: 64), bytes.count - at)
      bytes.insert(contentsOf: bytes[at..<(at + count)], at: at)
    case 6:  // truncate
      bytes.removeSubrange(rng.nextIndex(below: bytes.count)...)
    default:  // overwrite 8 bytes with a little-endian extreme (sizes, offsets, counts)
      let at = position(in: bytes, &rng)
      let extremes: [UInt64] = [0, 1, .max, 1 << 31, 1 << 32, 1 << 40, 1 << 62, 0x7FFF_FFFF]
      let value = extremes[rng.nextIndex(below: extremes.count)]
      for k in 0..<min(8, bytes.count - at) {
        bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))
      }
    }
  }
}
