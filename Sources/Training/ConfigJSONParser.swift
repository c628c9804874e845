// A small strict JSON reader for config files (RFC 8259: no comments, no trailing commas).
//
// `JSONSerialization` would do for the values, but a strict config needs what it does not give:
// the line and column of every value (so any error, not only a syntax error, can say where it
// is), members in the order written, duplicate keys reported instead of silently dropped,
// numbers kept as written (so `true` is never read as 1 and a 64-bit seed keeps every digit), and
// syntax errors worded for people who write configs by hand.

/// Parses UTF-8 JSON text, recording the position of every value.
struct JSONParser {
  private let bytes: [UInt8]
  private let file: String?
  private var offset = 0
  private var line = 1
  private var lineStart = 0
  private(set) var positions = JSONPositions()
  private static let maximumDepth = 256
  /// The last position recorded, so that the next one counts columns from there instead of from
  /// the line's start: on a long line (a 50 MB array on one line) counting from the start made
  /// parsing quadratic.
  private var lastPosition = (offset: 0, lineStart: 0, column: 1)

  init(_ text: String, file: String?) {
    self.bytes = Array(text.utf8)
    self.file = file
    // A byte order mark is not part of the JSON text.
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      offset = 3
      lineStart = 3
    }
  }

  /// The document's single value, followed by nothing but white space.
  mutating func parseDocument() throws(ConfigError) -> JSONValue {
    skipWhitespace()
    guard offset < bytes.count else {
      throw syntaxError("the text is empty; expected a JSON object")
    }
    positions.values[""] = recordedPosition()
    let value = try parseValue(path: "", depth: 0)
    skipWhitespace()
    guard offset == bytes.count else {
      throw syntaxError("unexpected \(foundHere) after the end of the JSON value")
    }
    return value
  }

  private var position: SourcePosition {
    var column = 1
    for byte in bytes[lineStart..<offset] where byte & 0xC0 != 0x80 { column += 1 }
    return SourcePosition(line: line, column: column)
  }

  /// `position`, counted on from the last one recorded when it is on the same line.
  private mutating func recordedPosition() -> SourcePosition {
    var (from, column) = (lineStart, 1)
    if lastPosition.lineStart == lineStart && lastPosition.offset <= offset {
      (from, column) = (lastPosition.offset, lastPosition.column)
    }
    for byte in bytes[from..<offset] where byte & 0xC0 != 0x80 { column += 1 }
    lastPosition = (offset, lineStart, column)
    return SourcePosition(line: line, column: column)
  }

  private func syntaxError(_ message: String) -> ConfigError {
    let here = position
    return ConfigError(
      problem: .syntax(message: message), keyPath: "", file: file, line: here.line,
      column: here.column)
  }

  /// The character at the current offset as a message shows it.
  private var foundHere: String {
    guard offset < bytes.count else { return "end of text" }
    var end = offset + 1
    while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
    return "`" + String(decoding: bytes[offset..<end], as: UTF8.self) + "`"
  }

  private mutating func skipWhitespace() {
    while offset < bytes.count {
      switch bytes[offset] {
      case UInt8(ascii: "\n"):
        offset += 1
        line += 1
        lineStart = offset
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
        offset += 1
      default:
        return
      }
    }
  }

  /// The value at the offset, whose position the caller has recorded.
  private mutating func parseValue(path: String, depth: Int) throws(ConfigError) -> JSONValue {
    guard depth < Self.maximumDepth else {
      throw syntaxError("values are nested more than \(Self.maximumDepth) levels deep")
    }
    guard offset < bytes.count else {
      throw syntaxError("unexpected end of text; expected a value")
    }
    switch bytes[offset] {
    case UInt8(ascii: "{"): return try parseObject(path: path, depth: depth)
    case UInt8(ascii: "["): return try parseArray(path: path, depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
      return try parseLiteral()
    case UInt8(ascii: "/"):
      throw syntaxError("comments are not allowed in JSON")
    case UInt8(ascii: "'"):
      throw syntaxError("strings must be in double quotes")
    default:
      throw syntaxError("unexpected \(foundHere); expected a value")
    }
  }

  private mutating func parseObject(path: String, depth: Int) throws(ConfigError) -> JSONValue {
    offset += 1  // {
    var members: [JSONMember] = []
    skipWhitespace()
    if offset < bytes.count && bytes[offset] == UInt8(ascii: "}") {
      offset += 1
      return .object([])
    }
    while true {
      skipWhitespace()
      guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
        if offset < bytes.count && bytes[offset] == UInt8(ascii: "}") {
          throw syntaxError("trailing comma before `}`")
        }
        throw syntaxError("expected a key in double quotes, found \(foundHere)")
      }
      let keyPosition = recordedPosition()
      let key = try parseString()
      let memberPath = ConfigKeyPath.member(path, key)
      if members.contains(where: { $0.key == key }) {
        throw ConfigError(
          problem: .duplicateKey, keyPath: memberPath, file: file, line: keyPosition.line,
          column: keyPosition.column)
      }
      positions.keys[memberPath] = keyPosition
      skipWhitespace()
      guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
        throw syntaxError("expected `:` after the key \"\(key)\", found \(foundHere)")
      }
      offset += 1
      skipWhitespace()
      positions.values[memberPath] = recordedPosition()
      let value = try parseValue(path: memberPath, depth: depth + 1)
      members.append(JSONMember(key: key, value: value))
      skipWhitespace()
      guard offset < bytes.count else {
        throw syntaxError("unexpected end of text; expected `,` or `}`")
      }
      if bytes[offset] == UInt8(ascii: ",") {
        offset += 1
        continue
      }
      if bytes[offset] == UInt8(ascii: "}") {
        offset += 1
        return .object(members)
      }
      throw syntaxError("expected `,` or `}` after the value of \"\(key)\", found \(foundHere)")
    }
  }

  private mutating func parseArray(path: String, depth: Int) throws(ConfigError) -> JSONValue {
    offset += 1  // [
    var elements: [JSONValue] = []
    var elementPositions: [SourcePosition] = []
    skipWhitespace()
    if offset < bytes.count && bytes[offset] == UInt8(ascii: "]") {
      offset += 1
      return .array([])
    }
    while true {
      skipWhitespace()
      if offset < bytes.count && bytes[offset] == UInt8(ascii: "]") {
        throw syntaxError("trailing comma before `]`")
      }
      elementPositions.append(recordedPosition())
      elements.append(
        try parseValue(path: ConfigKeyPath.element(path, elements.count), depth: depth + 1))
      skipWhitespace()
      guard offset < bytes.count else {
        throw syntaxError("unexpected end of text; expected `,` or `]`")
      }
      if bytes[offset] == UInt8(ascii: ",") {
        offset += 1
        continue
      }
      if bytes[offset] == UInt8(ascii: "]") {
        offset += 1
        positions.elements[path] = elementPositions
        return .array(elements)
      }
      throw syntaxError("expected `,` or `]` in the array, found \(foundHere)")
    }
  }

  private mutating func parseString() throws(ConfigError) -> String {
    offset += 1  // "
    var text = ""
    var runStart = offset
    func flushRun(_ end: Int) {
      text += String(decoding: bytes[runStart..<end], as: UTF8.self)
    }
    while true {
      guard offset < bytes.count else { throw syntaxError("unterminated string") }
      let byte = bytes[offset]
      switch byte {
      case UInt8(ascii: "\""):
        flushRun(offset)
        offset += 1
        return text
      case UInt8(ascii: "\\"):
        flushRun(offset)
        offset += 1
        text.unicodeScalars.append(try parseEscape())
        runStart = offset
      case UInt8(ascii: "\n"):
        throw syntaxError("unterminated string (a line break in a string is written \\n)")
      case 0..<0x20:
        let code = String(byte, radix: 16, uppercase: true)
        throw syntaxError(
          "control character U+\(String(repeating: "0", count: 4 - code.count) + code) in a "
            + "string must be escaped")
      default:
        offset += 1
      }
    }
  }

  /// The escape after a backslash (the offset is past the backslash).
  private mutating func parseEscape() throws(ConfigError) -> Unicode.Scalar {
    guard offset < bytes.count else { throw syntaxError("unterminated string") }
    let byte = bytes[offset]
    offset += 1
    switch byte {
    case UInt8(ascii: "\""): return "\""
    case UInt8(ascii: "\\"): return "\\"
    case UInt8(ascii: "/"): return "/"
    case UInt8(ascii: "b"): return "\u{08}"
    case UInt8(ascii: "f"): return "\u{0C}"
    case UInt8(ascii: "n"): return "\n"
    case UInt8(ascii: "r"): return "\r"
    case UInt8(ascii: "t"): return "\t"
    case UInt8(ascii: "u"):
      let high = try parseHex4()
      if (0xD800..<0xDC00).contains(high) {
        guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
          bytes[offset + 1] == UInt8(ascii: "u")
        else { throw syntaxError("unpaired surrogate \\u\(String(high, radix: 16)) in a string") }
        offset += 2
        let low = try parseHex4()
        guard (0xDC00..<0xE000).contains(low) else {
          throw syntaxError("unpaired surrogate \\u\(String(high, radix: 16)) in a string")
        }
        return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
      }
      guard let scalar = Unicode.Scalar(high) else {
        throw syntaxError("unpaired surrogate \\u\(String(high, radix: 16)) in a string")
      }
      return scalar
    default:
      offset -= 1
      let escape = foundHere.dropFirst().dropLast()
      offset -= 1  // point at the backslash
      throw syntaxError("invalid escape \\\(escape) in a string")
    }
  }

  private mutating func parseHex4() throws(ConfigError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard offset < bytes.count, let digit = hexValue(bytes[offset]) else {
        throw syntaxError("\\u must be followed by four hexadecimal digits")
      }
      value = value * 16 + digit
      offset += 1
    }
    return value
  }

  private func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
    default: nil
    }
  }

  /// A number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as written.
  private mutating func parseNumber() throws(ConfigError) -> JSONValue {
    let start = offset
    var end = offset
    while end < bytes.count, Self.isNumberByte(bytes[end]) { end += 1 }
    let literal = String(decoding: bytes[start..<end], as: UTF8.self)
    guard Self.isValidNumber(bytes[start..<end]) else {
      throw syntaxError("invalid number `\(literal)`")
    }
    offset = end
    return .number(literal)
  }

  private static func isNumberByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
      UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
      true
    default: false
    }
  }

  private static func isValidNumber(_ text: ArraySlice<UInt8>) -> Bool {
    var i = text.startIndex
    func digits() -> Int {
      let start = i
      while i < text.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[i]) { i += 1 }
      return i - start
    }
    if i < text.endIndex && text[i] == UInt8(ascii: "-") { i += 1 }
    let integerStart = i
    let integerDigits = digits()
    guard integerDigits > 0 else { return false }
    if integerDigits > 1 && text[integerStart] == UInt8(ascii: "0") { return false }
    if i < text.endIndex && text[i] == UInt8(ascii: ".") {
      i += 1
      guard digits() > 0 else { return false }
    }
    if i < text.endIndex && (text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E")) {
      i += 1
      if i < text.endIndex && (text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-")) {
        i += 1
      }
      guard digits() > 0 else { return false }
    }
    return i == text.endIndex
  }

  /// `true`, `false` or `null`; any other word is an error that lists them.
  private mutating func parseLiteral() throws(ConfigError) -> JSONValue {
    var end = offset
    while end < bytes.count,
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[end])
        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[end])
    {
      end += 1
    }
    let word = String(decoding: bytes[offset..<end], as: UTF8.self)
    let value: JSONValue
    switch word {
    case "true": value = .bool(true)
    case "false": value = .bool(false)
    case "null": value = .null
    default:
      throw syntaxError(
        "unexpected `\(word)`; expected a value (strings need double quotes; the literals are "
          + "true, false and null)")
    }
    offset = end
    return value
  }
}
