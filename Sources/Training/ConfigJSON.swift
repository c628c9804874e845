// The JSON values a config is read from, where they were in the text, and JSON text rendered
// back from them. The parser is `JSONParser` (ConfigJSONParser.swift).

import Foundation

/// The text of a JSON file, which RFC 8259 requires to be UTF-8 (a byte order mark is allowed
/// and skipped by the parser). UTF-16 and UTF-32, which editors on Windows write, and any other
/// invalid byte are refused, saying which: decoding them leniently would turn each into U+FFFD
/// and the error into a puzzling one about an unexpected `�`, or worse, accept a name that is
/// not the one in the file.
/// - Throws: a syntax `ConfigError` at the line and column of the first invalid byte.
func decodeJSONText(_ data: Data, file: String?) throws(ConfigError) -> String {
  let bytes = [UInt8](data)
  func refuse(_ message: String, line: Int = 1, column: Int = 1) -> ConfigError {
    ConfigError(
      problem: .syntax(message: message), keyPath: "", file: file, line: line, column: column)
  }
  let boms: [(bytes: [UInt8], name: String)] = [
    ([0x00, 0x00, 0xFE, 0xFF], "UTF-32 (big-endian)"), ([0xFF, 0xFE, 0x00, 0x00], "UTF-32"),
    ([0xFE, 0xFF], "UTF-16 (big-endian)"), ([0xFF, 0xFE], "UTF-16"),
  ]
  if let bom = boms.first(where: { bytes.starts(with: $0.bytes) }) {
    throw refuse("the text is \(bom.name), not UTF-8; save it as UTF-8")
  }
  // Without a byte order mark, UTF-16 or UTF-32 text starts with a NUL next to an ASCII byte.
  if bytes.count >= 2 && (bytes[0] == 0 || bytes[1] == 0) {
    throw refuse(
      "the text is UTF-16 or UTF-32 (it starts with a NUL byte), not UTF-8; save it as UTF-8")
  }
  var parser = Unicode.UTF8.ForwardParser()
  var iterator = bytes.makeIterator()
  var offset = 0
  var line = 1
  var column = 1
  while true {
    switch parser.parseScalar(from: &iterator) {
    case .valid(let encoded):
      offset += encoded.count
      if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else {
        column += 1
      }
    case .error:
      let hex = String(bytes[offset], radix: 16, uppercase: true)
      throw refuse(
        "the byte 0x\(hex.count == 1 ? "0" + hex : hex) (offset \(offset)) is not valid UTF-8; "
          + "JSON text must be UTF-8", line: line, column: column)
    case .emptyInput:
      return String(decoding: bytes, as: UTF8.self)
    }
  }
}

/// A JSON value. Numbers keep their literal text; objects keep their members in order.
/// (Not `indirect`: arrays already hold their elements out of line, and boxing every value
/// doubled the memory of a long array.)
enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(String)
  case string(String)
  case array([JSONValue])
  case object([JSONMember])
}

struct JSONMember: Equatable, Sendable {
  var key: String
  var value: JSONValue
}

/// A 1-based line and column; columns count Unicode scalars.
struct SourcePosition: Equatable, Sendable {
  var line: Int
  var column: Int
}

/// Where the values of a parsed document are, by key path (`optimizer.lr`, `betas[1]`).
struct JSONPositions: Sendable {
  /// The first character of each value that is not an array element.
  var values: [String: SourcePosition] = [:]
  /// The first character of each array element, by the array's key path, in order: one entry a
  /// value instead of a key path each, so that a long array costs a few bytes an element.
  var elements: [String: [SourcePosition]] = [:]
  /// The opening quote of each object member's key.
  var keys: [String: SourcePosition] = [:]

  /// The first character of the value at `path`.
  func value(at path: String) -> SourcePosition? {
    if let position = values[path] { return position }
    guard path.hasSuffix("]"), let open = path.lastIndex(of: "["),
      let index = Int(path[path.index(after: open)..<path.index(before: path.endIndex)]),
      let positions = elements[String(path[..<open])], positions.indices.contains(index)
    else { return nil }
    return positions[index]
  }

  /// Forgets every position at `path` or inside it (a value `--set` replaced).
  mutating func remove(within path: String) {
    values = values.filter { !ConfigKeyPath.isWithin($0.key, path) }
    elements = elements.filter { !ConfigKeyPath.isWithin($0.key, path) }
    keys = keys.filter { $0.key == path || !ConfigKeyPath.isWithin($0.key, path) }
  }
}

/// Key paths as errors print them: `a.b` for members, `a[0]` for array elements.
enum ConfigKeyPath {
  static func member(_ parent: String, _ key: String) -> String {
    parent.isEmpty ? key : parent + "." + key
  }

  static func element(_ parent: String, _ index: Int) -> String { "\(parent)[\(index)]" }

  /// The path one level up, nil for the root.
  static func parent(of path: String) -> String? {
    guard !path.isEmpty else { return nil }
    guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { return "" }
    return String(path[..<cut])
  }

  /// Whether `path` is `ancestor` or lies inside it.
  static func isWithin(_ path: String, _ ancestor: String) -> Bool {
    ancestor.isEmpty || path == ancestor || path.hasPrefix(ancestor + ".")
      || path.hasPrefix(ancestor + "[")
  }
}

/// The text form of a value, as an error's "found" shows it: scalars as written, containers by
/// kind, long strings shortened.
func describeFound(_ value: JSONValue) -> String {
  switch value {
  case .null: return "null"
  case .bool(let flag): return flag ? "true" : "false"
  case .number(let literal): return literal
  case .string(let text):
    let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
    return renderJSONString(shown)
  case .array(let elements): return elements.isEmpty ? "an empty array" : "an array"
  case .object: return "an object"
  }
}

/// A string in JSON's quoted form.
func renderJSONString(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case "\u{08}": out += "\\b"
    case "\u{0C}": out += "\\f"
    case _ where scalar.value < 0x20:
      let code = String(scalar.value, radix: 16)
      out += "\\u" + String(repeating: "0", count: 4 - code.count) + code
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out + "\""
}

/// Pretty JSON: two-space indents, members sorted by key, arrays of scalars on one line.
func renderJSON(_ value: JSONValue, indent: String = "") -> String {
  switch value {
  case .null: return "null"
  case .bool(let flag): return flag ? "true" : "false"
  case .number(let literal): return literal
  case .string(let text): return renderJSONString(text)
  case .array(let elements):
    guard !elements.isEmpty else { return "[]" }
    let isFlat = elements.allSatisfy {
      if case .array = $0 { return false }
      if case .object = $0 { return false }
      return true
    }
    if isFlat { return "[" + elements.map { renderJSON($0) }.joined(separator: ", ") + "]" }
    let inner = indent + "  "
    return "[\n" + elements.map { inner + renderJSON($0, indent: inner) }.joined(separator: ",\n")
      + "\n" + indent + "]"
  case .object(let members):
    guard !members.isEmpty else { return "{}" }
    let inner = indent + "  "
    let lines = members.sorted { $0.key < $1.key }.map {
      inner + renderJSONString($0.key) + ": " + renderJSON($0.value, indent: inner)
    }
    return "{\n" + lines.joined(separator: ",\n") + "\n" + indent + "}"
  }
}

/// `value` as JSON on one line (`{"minDelta": 0, "patience": 5}`), for messages.
func renderJSONInline(_ value: JSONValue) -> String {
  switch value {
  case .array(let elements):
    return "[" + elements.map(renderJSONInline).joined(separator: ", ") + "]"
  case .object(let members):
    return "{"
      + members.sorted { $0.key < $1.key }.map {
        renderJSONString($0.key) + ": " + renderJSONInline($0.value)
      }.joined(separator: ", ") + "}"
  default: return renderJSON(value)
  }
}
