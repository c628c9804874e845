import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a program to completion with `posix_spawn` and `waitpid`, its standard output and error
/// going to files. `fit batch` uses it rather than Foundation's `Process`, whose pipe readers and
/// exit notification depend on the shared dispatch pool: with every pool thread waiting on a
/// child, the next child started late, and two jobs ran little faster than one.
enum ChildProcess {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// - Returns: the exit status, or 128 + the signal number for a child killed by a signal.
  static func run(
    _ executable: String, _ arguments: [String], environment: [String: String],
    standardOutput: String, standardError: String, started: (pid_t) -> Void = { _ in },
    ended: (pid_t) -> Void = { _ in }
  ) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let flags = O_WRONLY | O_CREAT | O_TRUNC
    posix_spawn_file_actions_addopen(&actions, 1, standardOutput, flags, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, standardError, flags, 0o644)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv + envp { free(pointer) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
    guard spawned == 0 else {
      throw Failure(
        description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
    }
    started(pid)
    defer { ended(pid) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else {
        throw Failure(description: "waiting for \(executable): \(String(cString: strerror(errno)))")
      }
    }
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
  }
}
