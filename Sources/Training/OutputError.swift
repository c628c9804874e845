/// Failures to create or write a run's output files.
public enum OutputError: ExitStatusError, CustomStringConvertible, Equatable {
  case cannotCreate(String, reason: String)
  case writeFailed(String, reason: String)

  public var exitStatus: ExitStatus {
    switch self {
    case .cannotCreate: .cannotCreate
    case .writeFailed: .ioError
    }
  }

  public var description: String {
    switch self {
    case .cannotCreate(let path, let reason): "cannot create \(path): \(reason)"
    case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
    }
  }
}
