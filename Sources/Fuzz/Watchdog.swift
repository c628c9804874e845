import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Ends the process when one case runs longer than its limit: a hang is a failure like a crash,
/// and the input that caused it is left in the work folder under its case name. A thread of its
/// own polls the start time of the running case, so it fires whatever the case is doing.
final class Watchdog: Sendable {
  /// Nanoseconds (monotonic) when the running case began; 0 between cases.
  private let started = Atomic<UInt64>(0)
  private let caseIndex = Atomic<Int>(-1)
  let limit: Double
  let describe: @Sendable (Int) -> String

  init(limit seconds: Double, describe: @escaping @Sendable (Int) -> String) {
    limit = seconds
    self.describe = describe
    let thread = Thread { [self] in
      while true {
        usleep(20_000)
        let start = started.load(ordering: .acquiring)
        guard start > 0 else { continue }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if elapsed > limit {
          let text =
            "fit-fuzz: HANG: \(describe(caseIndex.load(ordering: .relaxed))) ran "
            + "\(String(format: "%.1f", elapsed)) s, over the \(limit) s limit\n"
          FileHandle.standardError.write(Data(text.utf8))
          _exit(2)
        }
      }
    }
    thread.start()
  }

  func begin(_ index: Int) {
    caseIndex.store(index, ordering: .relaxed)
    started.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
  }

  func end() { started.store(0, ordering: .releasing) }
}
