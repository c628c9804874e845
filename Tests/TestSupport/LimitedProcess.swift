import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A child process under limits, for fault-injection and resource tests: a time limit past which
/// it is killed (SIGKILL, with its process group), optionally a file-size limit
/// (`RLIMIT_FSIZE`, set by `/bin/sh`'s `ulimit -f` before it `exec`s the program), and its peak
/// resident memory as the kernel reports it (`ru_maxrss`).
///
/// The peak comes from GNU time (`/usr/bin/time -f %M`), which forks the program: `posix_spawn`
/// starts a child in the parent's address space (`CLONE_VM`), and the kernel carries that
/// space's peak (the test runner's, 50-100 MB) into the child's `ru_maxrss` at `exec`. Without
/// GNU time, `wait4`'s figure is used, then an upper bound (`peakIncludesRunner`).
///
/// ```swift
/// let result = try LimitedProcess.run(FitProcess.executable.path, ["check", "--config", "c.json"],
///   in: folder, seconds: 60)
/// result.status; result.peakResidentBytes; result.standardError
/// ```
public final class LimitedProcess {
  public struct Result {
    /// The exit status, or 128 + the signal that ended the process.
    public var status: Int32
    /// The signal that ended the process, if one did.
    public var signal: Int32?
    /// Whether the time limit killed it.
    public var timedOut: Bool
    /// The largest resident set the process reached, in bytes.
    public var peakResidentBytes: Int
    /// Whether `peakResidentBytes` may be the test runner's instead (no GNU time).
    public var peakIncludesRunner: Bool
    public var seconds: Double
    public var standardOutput: String
    public var standardError: String

    /// The peak resident set in MB (10⁶ bytes), for messages.
    public var peakMegabytes: Double { Double(peakResidentBytes) / 1e6 }
  }

  public let pid: pid_t
  private let start = Date()
  private let seconds: TimeInterval
  private let output: URL
  private let errors: URL
  /// GNU time's report (`%M`, kilobytes), when it measures.
  private let peakReport: URL?
  private var result: Result?

  /// Starts `executable arguments` in `directory`, its standard input `/dev/null` and its output
  /// collected in files (so that a 100 MB message cannot block it on a pipe).
  ///
  /// - Parameters:
  ///   - seconds: the time limit, counted from now.
  ///   - fileSizeLimit: the largest file the process may write, in bytes (a multiple of 512);
  ///     a write beyond it fails with `EFBIG` once the program ignores `SIGXFSZ`.
  public init(
    _ executable: String, _ arguments: [String], in directory: URL, seconds: TimeInterval,
    fileSizeLimit: Int? = nil
  ) throws {
    precondition(fileSizeLimit.map { $0 > 0 && $0 % 512 == 0 } ?? true, "512-byte blocks")
    self.seconds = seconds
    let scratch = FileManager.default.temporaryDirectory
    let name = "fit-limited-\(UUID().uuidString)"
    output = scratch.appendingPathComponent(name + ".out")
    errors = scratch.appendingPathComponent(name + ".err")
    // POSIX `ulimit -f` counts 512-byte blocks (dash and bash as sh alike).
    let limit = fileSizeLimit.map { "ulimit -f \($0 / 512) && " } ?? ""
    let script = "cd \"$1\" && shift && \(limit)exec \"$@\""
    var argv = ["/bin/sh", "-c", script, "sh", directory.path, executable] + arguments
    let time = "/usr/bin/time"
    if FileManager.default.isExecutableFile(atPath: time) {
      let report = scratch.appendingPathComponent(name + ".rss")
      argv = [time, "-f", "%M", "-o", report.path] + argv
      peakReport = report
    } else {
      peakReport = nil
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(
      &actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(
      &actions, 2, errors.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // Its own process group, so that the kill reaches anything it starts; every signal at its
    // default and none blocked, whatever the test runner set.
    var everySignal = sigset_t()
    sigfillset(&everySignal)
    var noSignal = sigset_t()
    sigemptyset(&noSignal)
    posix_spawnattr_setsigdefault(&attributes, &everySignal)
    posix_spawnattr_setsigmask(&attributes, &noSignal)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    let cArguments = argv.map { strdup($0) } + [nil]
    defer { for argument in cArguments { free(argument) } }
    var child: pid_t = 0
    let status = posix_spawn(&child, argv[0], &actions, &attributes, cArguments, environ)
    guard status == 0 else {
      throw NSError(
        domain: NSPOSIXErrorDomain, code: Int(status),
        userInfo: [NSLocalizedDescriptionKey: "posix_spawn: \(String(cString: strerror(status)))"])
    }
    pid = child
  }

  /// Whether the process has not ended yet (it is not reaped until `wait()`).
  public var isRunning: Bool {
    guard result == nil else { return false }
    var status: Int32 = 0
    var usage = rusage()
    let reaped = wait4(pid, &status, WNOHANG, &usage)
    if reaped == pid {
      result = finish(status: status, usage: usage, timedOut: false)
      return false
    }
    return true
  }

  /// Waits for the end, killing the process group when the time limit passes first.
  public func wait() -> Result {
    if let result { return result }
    var status: Int32 = 0
    var usage = rusage()
    var timedOut = false
    while true {
      let reaped = wait4(pid, &status, WNOHANG, &usage)
      if reaped == pid { break }
      if reaped < 0 && errno != EINTR { break }
      if !timedOut && Date().timeIntervalSince(start) > seconds {
        timedOut = true
        kill(-pid, SIGKILL)
      }
      usleep(5_000)
    }
    let finished = finish(status: status, usage: usage, timedOut: timedOut)
    result = finished
    return finished
  }

  private func finish(status: Int32, usage: rusage, timedOut: Bool) -> Result {
    let read = { (url: URL) -> String in
      let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
      try? FileManager.default.removeItem(at: url)
      return text
    }
    var signal = status & 0x7F
    var code = (status >> 8) & 0xFF
    // Linux reports kilobytes.
    var peak = usage.ru_maxrss * 1024
    // GNU time's report: "Command terminated by signal N" or "Command exited with non-zero
    // status N" when so, then the peak; it exits with the status, 128 + N for a signal.
    let report = peakReport.map(read)?.split(separator: "\n") ?? []
    if let kilobytes = report.last.flatMap({ Int($0) }) {
      peak = kilobytes * 1024
      if signal == 0,
        let line = report.first(where: { $0.hasPrefix("Command terminated by signal ") })
      {
        signal = Int32(line.split(separator: " ").last!)!
        code = 0
      }
    }
    return Result(
      status: signal == 0 ? code : 128 + signal,
      signal: signal == 0 ? nil : signal, timedOut: timedOut, peakResidentBytes: peak,
      peakIncludesRunner: report.last.flatMap({ Int($0) }) == nil,
      seconds: Date().timeIntervalSince(start), standardOutput: read(output),
      standardError: read(errors))
  }

  /// Runs to the end (or the time limit).
  public static func run(
    _ executable: String, _ arguments: [String], in directory: URL, seconds: TimeInterval,
    fileSizeLimit: Int? = nil
  ) throws -> Result {
    try LimitedProcess(
      executable, arguments, in: directory, seconds: seconds, fileSizeLimit: fileSizeLimit
    ).wait()
  }
}
