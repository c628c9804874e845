import ArgumentParser
import DataIO
import Training

/// How `predict`, `eval` and `convert` read CSV: what a config's `data.delimiter` and
/// `data.decimal` say for training, as options.
struct CSVArguments: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The CSV delimiter, one ASCII character or `tab` (default: a tab for .tsv, else a "
        + "comma), as data.delimiter.", valueName: "char"))
  var delimiter: String?

  @Option(
    help: ArgumentHelp(
      "The decimal separator: `.` (the default) or `,` (with a delimiter other than a comma), "
        + "as data.decimal.", valueName: "char"))
  var decimal = "."

  func validate() throws {
    if let delimiter {
      let character = Self.delimiterCharacter(delimiter)
      guard let character, character.isASCII, !"\"\r\n".contains(character) else {
        throw ValidationError(
          "--delimiter must be one ASCII character other than a quote or line break, or `tab`")
      }
    }
    guard decimal == "." || decimal == "," else {
      throw ValidationError("--decimal must be `.` or `,`")
    }
  }

  /// `tab` and `\t` mean a tab; any other single character is itself.
  private static func delimiterCharacter(_ text: String) -> Character? {
    if text == "tab" || text == #"\t"# { return "\t" }
    return text.count == 1 ? text.first : nil
  }

  /// The options for reading `path` (the delimiter from its extension unless given).
  func options(path: String) throws -> CSVOptions {
    let delimiter =
      delimiter.flatMap(Self.delimiterCharacter) ?? DataConfig.Format.delimiter(path: path)
    guard !(decimal == "," && delimiter == ",") else {
      throw TrainingError.badConfig(
        "--decimal , needs a delimiter other than a comma (--delimiter ';', usually)")
    }
    return CSVOptions(delimiter: delimiter, decimal: Character(decimal), finiteOnly: true)
  }

  /// Runs `body`, wording the fix of a data error that a config key would mend as this
  /// command's option (`pass --delimiter ';'`).
  static func advisingOptions<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as DataIOError {
      let message = error.message { key, value in
        "pass --\(key) " + (value == "\t" ? "tab" : "'\(value)'")
      }
      guard message != error.description else { throw error }
      throw TrainingError.badData(message)
    }
  }
}
