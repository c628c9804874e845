/// What a run may be called: a config's `name` and the folder name of a `fit batch` run, which
/// the batch makes from its varied values (`lr=0.1_degree=2`, `betas=_0.9,0.99_`). One rule for
/// both, so that every batch run's name is also a valid config name.
///
/// The characters are ASCII letters and digits and `.` `_` `-` `=` `,` `+`: each is an ordinary
/// character in a file name on Linux and macOS and in a shell word (none needs quoting in an
/// argument), and `--set name=lr=0.1` splits at its first `=` only. `.` and `..` are refused:
/// they name folders already there (`runs/..` is the config's own folder).
enum RunName {
  /// The characters allowed, as error messages list them.
  static let allowedCharacters = "letters, digits, `.`, `_`, `-`, `=`, `,` and `+`"

  static func isAllowed(_ character: Character) -> Bool {
    character.isASCII && (character.isLetter || character.isNumber || "._-=,+".contains(character))
  }

  /// The longest name: a name is a folder name, and file systems refuse longer ones (NAME_MAX).
  static let maximumLength = 255

  static func isValid(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= maximumLength && name.allSatisfy(isAllowed) && name != "."
      && name != ".."
  }

  /// `text` with each character that is not allowed replaced by `replacement`.
  static func sanitized(_ text: String, replacement: Character) -> String {
    String(text.map { isAllowed($0) ? $0 : replacement })
  }
}
