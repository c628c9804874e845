import Foundation
import TestSupport
import XCTest

/// Every command in README.md's shell blocks, run in README order in a scratch copy of configs/
/// and data/, as a user following README would, with the tests' `fit` for `fit` and
/// `.build/release/fit`:
///
/// - each exits 0, or the status an HTML comment `<!-- readme-test: exit N -->` before its block
///   gives; `<!-- readme-test: skip `command` -->` leaves out the commands of that block
///   starting so (each must be there), and nothing else is left out;
/// - `make TARGET` runs the target's recipe from the Makefile instead (not its prerequisite
///   `setup`, which installs packages), without its `$(SWIFT) build` lines: the test built fit;
/// - an ```` ```output ```` block is what the command run before it prints: each of its lines is
///   a line of that command's output, words equal, numbers within 2 % (the last digits may differ
///   with another BLAS);
/// - no command rewrites a `model.json` or `summary.csv` that an earlier one wrote with other
///   contents, so that the examples leave each other's run folders alone (resuming, `--resume`,
///   continues its own), and no command names an absolute path, so that they stay in the
///   scratch folder;
/// - each runs under a time limit, killed (SIGKILL, with its children) when it passes it.
///
/// Fenced blocks of other kinds are not run: `swift` (the Autograd library, not the command line)
/// and plain ones (the source layout); any other kind fails the test, so that no command goes
/// unrun by being marked differently.
final class ReadmeExamplesTests: XCTestCase {
  static let timeLimit = 120

  struct Command {
    var text: String
    /// The status it must exit with.
    var status: Int32
    /// README's line, for failure messages.
    var line: Int
  }

  /// A step of the walk through README: a command to run, or output to compare.
  enum Step {
    case run(Command)
    case output([String], line: Int)
  }

  /// README's steps, and the targets its `make` commands and mentions name.
  static func steps(_ readme: String) throws -> (steps: [Step], makeTargets: Set<String>) {
    let lines = readme.components(separatedBy: "\n")
    var steps: [Step] = []
    var directive = ""
    var index = 0
    while index < lines.count {
      let line = lines[index]
      index += 1
      if line.hasPrefix("<!-- readme-test:") {
        directive = line
        continue
      }
      guard line.hasPrefix("```") else {
        if !line.trimmingCharacters(in: .whitespaces).isEmpty { directive = "" }
        continue
      }
      let kind = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
      let start = index
      var body: [String] = []
      while index < lines.count, !lines[index].hasPrefix("```") {
        body.append(lines[index])
        index += 1
      }
      index += 1
      switch kind {
      case "sh", "bash", "shell":
        steps += try commands(body, firstLine: start + 1, directive: directive).map(Step.run)
      case "output":
        steps.append(.output(body.filter { !$0.isEmpty }, line: start + 1))
      case "swift", "":
        break
      default:
        XCTFail("README line \(start): a ```\(kind) block is neither run nor compared")
      }
      directive = ""
    }
    let mentions = try Regex(#"`make ([a-z]+)"#)
    var targets = Set(readme.matches(of: mentions).map { String($0.output[1].substring!) })
    for case .run(let command) in steps where command.text.hasPrefix("make ") {
      targets.insert(String(command.text.split(separator: " ")[1]))
    }
    return (steps, targets)
  }

  /// A shell block's commands (continuation lines joined, comment lines dropped), less those
  /// the directive skips, with the status it expects.
  static func commands(_ body: [String], firstLine: Int, directive: String) throws -> [Command] {
    var commands: [Command] = []
    var pending = ""
    var pendingLine = firstLine
    for (offset, line) in body.enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if pending.isEmpty {
        if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
        pendingLine = firstLine + offset
      }
      if trimmed.hasSuffix("\\") {
        pending += trimmed.dropLast() + " "
        continue
      }
      commands.append(Command(text: pending + trimmed, status: 0, line: pendingLine))
      pending = ""
    }
    let skips = directive.matches(of: try Regex(#"skip `([^`]+)`"#)).map {
      String($0.output[1].substring!)
    }
    for skip in skips {
      XCTAssertTrue(
        commands.contains { $0.text.hasPrefix(skip) },
        "README block at line \(firstLine - 1) skips `\(skip)`, which it does not hold")
    }
    commands.removeAll { command in skips.contains { command.text.hasPrefix($0) } }
    if let exit = directive.firstMatch(of: try Regex(#"exit (\d+)"#)) {
      let status = Int32(exit.output[1].substring!)!
      for index in commands.indices { commands[index].status = status }
    }
    return commands
  }

  /// The commands of a Makefile target's recipe, as the shell runs them, without the builds.
  static func recipe(_ target: String, in makefile: String) -> [String]? {
    let lines = makefile.components(separatedBy: "\n")
    guard let header = lines.firstIndex(where: { $0.hasPrefix("\(target):") }) else { return nil }
    return lines[(header + 1)...].prefix { $0.hasPrefix("\t") }.compactMap { line in
      var command = line.dropFirst().trimmingCharacters(in: .whitespaces)
      if command.hasPrefix("@") { command.removeFirst() }
      if command.hasPrefix("$(SWIFT) build") { return nil }
      return command.replacingOccurrences(
        of: "$$($(SWIFT) build -c release --show-bin-path)/fit", with: "fit"
      ).replacingOccurrences(of: "$$", with: "$")
    }
  }

  /// `text` as words and numbers: numbers compare within 2 % of each other, the rest exactly.
  static func matches(_ shown: String, _ printed: String) -> Bool {
    let number = try! Regex(#"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"#)
    func parts(_ text: String) -> (words: [String], numbers: [Double]) {
      let found = text.matches(of: number)
      var words: [String] = []
      var rest = text[...]
      for match in found {
        words.append(String(rest[..<match.range.lowerBound]))
        rest = text[match.range.upperBound...]
      }
      words.append(String(rest))
      return (words, found.map { Double(text[$0.range])! })
    }
    let (a, b) = (parts(shown), parts(printed))
    return a.words == b.words && a.numbers.count == b.numbers.count
      && zip(a.numbers, b.numbers).allSatisfy { x, y in
        Swift.abs(x - y) <= 0.02 * max(Swift.abs(x), Swift.abs(y))
      }
  }

  /// Runs `command` with bash in `directory`, `fit` on the path, killed after `timeLimit`
  /// seconds (GNU timeout signals the command's whole process group).
  static func shell(_ command: String, in directory: URL, path: String) throws
    -> FitProcess.Result
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["-s", "KILL", "\(timeLimit)", "/bin/bash", "-c", command]
    process.currentDirectoryURL = directory
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    process.environment = environment
    return try FitProcess.collect(process)
  }

  /// The run results in `folder`, by path.
  static func results(in folder: URL) -> [String: Data] {
    var found: [String: Data] = [:]
    let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
    while let url = files?.nextObject() as? URL {
      guard ["model.json", "summary.csv"].contains(url.lastPathComponent) else { continue }
      found[url.path.replacingOccurrences(of: folder.path + "/", with: "")] = try? Data(
        contentsOf: url)
    }
    return found
  }

  func testEveryReadmeCommandRunsAsShown() throws {
    let root = FitProcess.packageRoot
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let makefile = try String(
      contentsOf: root.appendingPathComponent("Makefile"), encoding: .utf8)
    let (steps, targets) = try Self.steps(readme)
    XCTAssertGreaterThan(steps.count, 15)
    for target in targets.sorted() {
      XCTAssertNotNil(Self.recipe(target, in: makefile), "README names `make \(target)`")
    }

    let scratch = try FitProcess.temporaryDirectory(self)
    for folder in ["configs", "data"] {
      try FileManager.default.copyItem(
        at: root.appendingPathComponent(folder), to: scratch.appendingPathComponent(folder))
    }
    let bin = try FitProcess.temporaryDirectory(self)
    try FileManager.default.createSymbolicLink(
      at: bin.appendingPathComponent("fit"), withDestinationURL: FitProcess.executable)

    var written: [String: (data: Data, by: String)] = [:]
    var last: (command: String, result: FitProcess.Result)?
    for step in steps {
      switch step {
      case .run(let command):
        var texts = [command.text.replacingOccurrences(of: ".build/release/fit", with: "fit")]
        if command.text.hasPrefix("make ") {
          let target = String(command.text.split(separator: " ")[1])
          texts = Self.recipe(target, in: makefile) ?? []
          for text in texts where text.contains("$(") {
            XCTFail(
              "README line \(command.line): `make \(target)` runs `\(text)`, whose make "
                + "variables this test does not know")
          }
          XCTAssertFalse(
            texts.isEmpty, "README line \(command.line): `make \(target)` runs nothing")
        }
        for text in texts {
          let context = "README line \(command.line): `\(text)`"
          XCTAssertFalse(
            text.split(separator: " ").contains { $0.hasPrefix("/") },
            "\(context) names an absolute path")
          let started = Date()
          let result = try Self.shell(text, in: scratch, path: bin.path)
          let seconds = Date().timeIntervalSince(started)
          let killed = result.status == 137 ? ", killed at the time limit" : ""
          XCTAssertEqual(
            result.status, command.status,
            "\(context) after \(Int(seconds)) s\(killed)\n"
              + result.standardOutput + result.standardError)
          for (path, data) in Self.results(in: scratch) {
            if let earlier = written[path], earlier.data != data, !text.contains("--resume") {
              XCTFail("\(context) rewrote \(path), which `\(earlier.by)` wrote before")
            }
            if written[path]?.data != data { written[path] = (data, text) }
          }
          last = (text, result)
        }
      case .output(let shown, let line):
        guard let (command, result) = last else {
          XCTFail("README line \(line): output before any command")
          continue
        }
        let printed = (result.standardOutput + "\n" + result.standardError)
          .components(separatedBy: "\n")
        for expected in shown where !printed.contains(where: { Self.matches(expected, $0) }) {
          XCTFail(
            "README line \(line): `\(command)` did not print\n\(expected)\nbut\n"
              + result.standardOutput)
        }
      }
    }
  }
}
